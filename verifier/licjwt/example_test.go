package licjwt_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/licjwt"
)

// Example checks a license token and tells the outcomes apart. The token
// here carries the TEST ONLY vector code; a product trusts its vendor's
// keys instead.
func Example() {
	v, err := verifier.New("PC", []verifier.Key{{ID: 1, Public: testPub}},
		verifier.WithNow(func() time.Time { return time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) }))
	if err != nil {
		panic(err)
	}
	tv := licjwt.New(v)
	for _, token := range []string{exampleToken, exampleToken[:len(exampleToken)-2], "eyJhbGciOiJub25lIn0.e30."} {
		l, err := tv.Verify(token)
		switch {
		case err == nil:
			fmt.Println(l.Status, l.Serial)
		case errors.Is(err, verifier.ErrUnknownKey):
			fmt.Println("signed by a key this version does not know")
		case errors.Is(err, verifier.ErrBadSignature):
			fmt.Println("not genuine")
		case errors.Is(err, licjwt.ErrBadToken):
			fmt.Println("not a license token:", err)
		}
	}
	// Output:
	// valid 31415926535897
	// not genuine
	// not a license token: license token: alg "none": license tokens are signed with EdDSA only
}

// exampleToken carries the first vector code, signed by the TEST ONLY key.
const exampleToken = "eyJhbGciOiJFZERTQSIsImtpZCI6IjEiLCJ0eXAiOiJKV1QifQ.eyJhY3RpdmF0aW9uX2NvZGUiOiJQQy0yMDgxLTAwMTdELTBQSFNTLTRNUTRHLVZESjBXLURZUUVHLTdWSzhQLTAwUFg4LU1URkhDLVcwSkg0LUpaV1lQLVdETVRNLTBUTTdZLVpOQlpQLVRQS0FCLTlGUjZSLU1URFlXLVpLUzQ0LTU3SlhDLUVEWTdYLU5YWkFOLUM5N0tGLUNXNk5QLVlIUVEzLUVISllNLUpFUDE4LU0wOEpYLVBOQUIiLCJhdWQiOlsiUEMiXSwiY3VzdG9tZXIiOnsibmFtZSI6IkV4YW1wbGUgTHRkIn0sImVkaXRpb24iOiJzdGFuZGFyZCIsImVkaXRpb25fbnVtYmVyIjoxLCJleHAiOjE4MjcyNzM2MDAsImdlbmVyYXRpb24iOjAsImlhdCI6MTc5NTczNzYwMCwiaW5zdGFsbF9ib3VuZCI6ZmFsc2UsImlzcyI6ImxpY21pbnQiLCJqdGkiOiJQQy0yMDgxLTAwMTdELTBQSFNTLTRNUTRHLVZESjBXLURZUUVHIiwibmJmIjoxNzk1NzM3NjAwLCJwcm9kdWN0IjoiUEMiLCJzZXJpYWwiOiIzMTQxNTkyNjUzNTg5NyIsInN1YiI6IjMxNDE1OTI2NTM1ODk3IiwidHJpYWwiOmZhbHNlfQ.11RI4WDc-8Fwpt9YyVE_-RZhfZFHqJEu-8om5-o4f0J5EMoki15--iGj4FuIRjqlPRcQVPoiLEG8FNMmefhKAQ"
