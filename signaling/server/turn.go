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
	return username, TURNPassword(secret, username)
}

// TURNPassword is the coturn REST-API password of username:
// base64(HMAC-SHA1(secret, username)). A TURN server checking such
// credentials computes it from the username the client sent.
func TURNPassword(secret, username string) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
