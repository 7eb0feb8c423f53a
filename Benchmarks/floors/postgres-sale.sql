-- postgres-sale.sql: what PostgreSQL alone does for scenicd's Sell, as a pgbench script,
-- so that the daemon's sales per second on PostgreSQL can be stated as a ratio of it.
--
-- One one-ticket sale a transaction: the statements PostgresStore.sell sends, in order,
-- one round trip each (Sources/ScenicPostgres/PostgresMoney.swift with once(),
-- requireSellable() and requireBinding(), checkVisitors(), takeCalendar(), writeSale() and
-- appendLedger()), with values of the same shape, on a database scenicd made and the
-- bench filled (product BENCH bound to distributors 1..:distributors). What it leaves
-- out is everything that is not PostgreSQL: no RPC, no session check, no protobuf, no
-- record decoding. Keep it in step with those functions.
--
--   pgbench -n -c 64 -j 2 -T 10 -D distributors=64 -D product=1 -f postgres-sale.sql URL
\set distributor random(1, :distributors)
\set request random(1, 9000000000000000000)
BEGIN;
SELECT pg_advisory_xact_lock(hashtext('distributor:' || :distributor), hashtext('floor-' || :request));
SELECT method, fingerprint, response FROM request_log WHERE scope = 'distributor:' || :distributor AND request_id = 'floor-' || :request;
SELECT * FROM distributor WHERE id = :distributor FOR NO KEY UPDATE;
SELECT pg_advisory_xact_lock_shared(7161123629751599104 | product.id)::text AS calendar_shared,
    product.*, binding.distributor_id AS b_distributor_id, binding.settlement_price_fen AS b_settlement_price_fen,
    binding.bound_at AS b_bound_at, binding.updated_at AS b_updated_at, refund_policy.deadline AS rp_deadline,
    refund_policy.deadline_hours AS rp_deadline_hours, refund_policy.fees AS rp_fees, refund_policy.needs_approval AS rp_needs_approval
    FROM binding JOIN product ON product.id = binding.product_id LEFT JOIN refund_policy ON refund_policy.id = product.refund_policy_id
    WHERE binding.distributor_id = :distributor AND product.code = 'BENCH' AND product.status = 'on_sale';
SELECT 1 FROM calendar_day WHERE product_id = :product AND visit_date = current_date FOR NO KEY UPDATE;
WITH placed AS (
    INSERT INTO sale_order (distributor_id, product_id, quantity, visit_date, settlement_price_fen, retail_price_fen, refundable,
        amount_fen, buyer_name, buyer_phone, sold_at)
    VALUES (:distributor, :product, 1, current_date, 100, 12000, true, 100, '', '', (extract(epoch FROM now()) * 1000)::bigint)
    RETURNING id)
SELECT placed.id AS order_id, nextval(pg_get_serial_sequence('voucher', 'id')) AS voucher_id
    FROM placed, generate_series(1, 1) \gset
INSERT INTO voucher (id, code, order_id, distributor_id, product_id, visit_date, valid_until, settlement_price_fen, retail_price_fen,
    refundable, sold_at, slot, visitor_id, refund_policy_id)
    SELECT ticket.id, ticket.code, :order_id, :distributor, :product, current_date, current_date, 100, 12000, true,
        (extract(epoch FROM now()) * 1000)::bigint, NULL, nullif(ticket.visitor_id, 0), NULL
    FROM unnest(ARRAY[:voucher_id]::bigint[], ARRAY['F' || lpad(:voucher_id::text, 15, '0')]::text[], ARRAY[0]::bigint[])
        AS ticket (id, code, visitor_id);
WITH moved AS (
    UPDATE distributor SET balance_fen = balance_fen + -100 WHERE id = :distributor RETURNING *),
entry AS (
    INSERT INTO ledger_entry (distributor_id, at, kind, amount_fen, balance_after_fen, order_id, voucher_code, note, actor, fee_fen)
    SELECT moved.id, greatest((extract(epoch FROM now()) * 1000)::bigint,
            (SELECT max(at) FROM ledger_entry WHERE distributor_id = :distributor)),
        'sale', -100, moved.balance_fen, :order_id, '', '1 × BENCH', 'distributor:' || :distributor, 0
    FROM moved
    RETURNING id, at)
SELECT moved.*, entry.id AS entry_id, entry.at AS entry_at FROM moved, entry;
INSERT INTO request_log (scope, request_id, method, fingerprint, response, at)
    VALUES ('distributor:' || :distributor, 'floor-' || :request, 'scenic.v1.Sales/Sell', '\x00'::bytea, '\x00'::bytea,
        (extract(epoch FROM now()) * 1000)::bigint);
END;
