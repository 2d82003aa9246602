package server

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"strconv"
	"time"
)

// TURNCredentials computes time-limited TURN credentials in the coturn
// REST-API format ("TURN REST API", draft-uberti-behave-turn-rest-00, as
// coturn's use-auth-secret implements it): the username is
// "<expiry unix seconds>:<user>" and the password is
// base64(HMAC-SHA1(secret, username)).
func TURNCredentials(secret, user string, expires time.Time) (username, credential string) {
	username = strconv.FormatInt(expires.Unix(), 10) + ":" + user
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(username))
	return username, base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
