// Calls grpc.health.v1.Health/Check on each socket given, with containerd's stock ttrpc
// client (Debian's golang-github-containerd-ttrpc-dev, unmodified): proof that scenicd
// speaks ttrpc as containerd defines it. Exits non-zero unless every socket is SERVING.
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/containerd/ttrpc"
)

// Hand-written equivalents of grpc.health.v1's messages; gogo/protobuf encodes them
// from the struct tags.
type HealthCheckRequest struct {
	Service string `protobuf:"bytes,1,opt,name=service,proto3"`
}

func (m *HealthCheckRequest) Reset()         { *m = HealthCheckRequest{} }
func (m *HealthCheckRequest) String() string { return fmt.Sprintf("%+v", *m) }
func (*HealthCheckRequest) ProtoMessage()    {}

type HealthCheckResponse struct {
	Status int32 `protobuf:"varint,1,opt,name=status,proto3"`
}

func (m *HealthCheckResponse) Reset()         { *m = HealthCheckResponse{} }
func (m *HealthCheckResponse) String() string { return fmt.Sprintf("%+v", *m) }
func (*HealthCheckResponse) ProtoMessage()    {}

const serving = 1

func check(path string) error {
	conn, err := net.Dial("unix", path)
	if err != nil {
		return err
	}
	client := ttrpc.NewClient(conn)
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var response HealthCheckResponse
	if err := client.Call(ctx, "grpc.health.v1.Health", "Check", &HealthCheckRequest{}, &response); err != nil {
		return err
	}
	if response.Status != serving {
		return fmt.Errorf("status %d, want SERVING", response.Status)
	}
	// An unknown method must come back as a ttrpc status error, not a broken connection.
	err = client.Call(ctx, "scenic.v1.Nope", "Nope", &HealthCheckRequest{}, &response)
	if err == nil {
		return fmt.Errorf("unknown method answered OK")
	}
	fmt.Printf("%s: SERVING; unknown method: %v\n", path, err)
	return nil
}

func main() {
	failed := false
	for _, path := range os.Args[1:] {
		if err := check(path); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}
