import ScenicStore

/// The text messages Scenic sends to distributors.
enum SMSTemplates {
    static func welcome(name: String, phone: String, password: String) -> OutgoingSMS {
        OutgoingSMS(
            phone: phone,
            body: """
                [Scenic] Distributor account "\(name)" is ready. Log in at the point of sale with \
                your phone number \(phone) and the initial password \(password) \
                (scenic-pos login --phone \(phone)); you will then choose your own password.
                """,
            holdsSecret: true)
    }

    static func passwordReset(name: String, phone: String, password: String) -> OutgoingSMS {
        OutgoingSMS(
            phone: phone,
            body: """
                [Scenic] The password of distributor account "\(name)" was reset. Log in with \
                your phone number \(phone) and the new initial password \(password); you will \
                then choose your own password.
                """,
            holdsSecret: true)
    }

    static func phoneChanged(name: String, phone: String) -> OutgoingSMS {
        OutgoingSMS(
            phone: phone,
            body: """
                [Scenic] This number is now the login of distributor account "\(name)". Your \
                password is unchanged.
                """,
            holdsSecret: false)
    }
}
