// Package e2e holds Starling's end-to-end tests. They start the real server
// (app.Run on a loopback port, or the built binary) and drive it with the
// real aws-sdk-go-v2 clients and with raw HTTP, asserting exact error codes
// and messages.
package e2e
