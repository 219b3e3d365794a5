package portal

import (
	"fmt"
	"testing"
)

// The mail templates write the bodies the portal mailed when they were
// strings in its handlers, byte for byte.
func TestMailTemplates(t *testing.T) {
	const (
		id, code, until, url, link = "PC-31415926535897", "CODE-1", "2027-02-28", "https://licenses.example.com", "https://licenses.example.com/x?token=t"
	)
	for name, c := range map[string]struct {
		d    mailData
		want string
	}{
		"registered": {mailData{RK: "PC-1", Kind: "trial Activation Code", Product: "PC", Edition: "standard", Until: until, Code: code},
			fmt.Sprintf("You registered the Registration Key %s.\n\nYour %s (%s %s, maintenance until %s):\n\n%s\n\nKeep it: enter it in the product to activate it. You can find it again under My licenses.\n",
				"PC-1", "trial Activation Code", "PC", "standard", until, code)},
		"renewed": {mailData{License: id, Until: until, Code: code},
			fmt.Sprintf("Your license %s is renewed: maintenance until %s.\n\nYour new Activation Code:\n\n%s\n\nEnter it in the product.\n", id, until, code)},
		"stolen": {mailData{License: id, Generation: 2, Code: code},
			fmt.Sprintf("You reported the code of license %s stolen. It is invalidated, and products stop accepting it once they have seen the replacement or the next revocation list.\n\nYour replacement Activation Code (generation %d):\n\n%s\n\nEnter it in your product.\n", id, 2, code)},
		"replaced": {mailData{Why: "Our support replaced the Activation Code of your license", License: id, Generation: 1, Until: until, Code: code, URL: url},
			fmt.Sprintf("%s %s.\n\nYour Activation Code (generation %d, maintenance until %s):\n\n%s\n\nEnter it in your product. You can find it again under My licenses:\n\n%s/licenses\n",
				"Our support replaced the Activation Code of your license", id, 1, until, code, url)},
		"resent": {mailData{License: id, Until: until, Code: code, URL: url},
			fmt.Sprintf("As you asked our support, here is the current Activation Code of your license %s (maintenance until %s):\n\n%s\n\nEnter it in the product. You can find it again under My licenses:\n\n%s/licenses\n", id, until, code, url)},
		"revoked": {mailData{License: id, Why: "chargeback"},
			"Your license " + id + " is revoked: chargeback.\n\nIts Activation Codes stop working in your product once it loads the next revocation list, and the license cannot be renewed or replaced. If you think this is a mistake, write to our support: the address is below.\n"},
		"moved": {mailData{License: id, Why: "sold twice"},
			"Our support moved your license " + id + " to another account: sold twice.\n\nThe license no longer shows under My licenses, and its Activation Code that you had stops working in your product once it loads the next revocation list. If you think this is a mistake, write to our support: the address is below.\n"},
		"welcome": {mailData{Link: link},
			"Welcome to the licensing portal.\n\nTo confirm your email address, open this link within 24 hours:\n\n" + link + "\n\nIf you did not sign up, ignore this message.\n"},
		"account-exists": {mailData{URL: url},
			"Someone, perhaps you, tried to sign up again with this email address.\n\nYou already have an account: log in at\n\n" + url + "/login\n\nor, if you forgot your password, reset it at\n\n" + url + "/forgot\n"},
		"confirm": {mailData{Link: link}, "To confirm your email address, open this link within 24 hours:\n\n" + link + "\n"},
		"reset": {mailData{Link: link},
			"To choose a new password for the licensing portal, open this link within one hour. It works once.\n\n" + link + "\n\nIf you did not ask for this, ignore this message: your password stays as it is.\n"},
		"reset-no-account": {mailData{URL: url},
			"Someone, perhaps you, asked to reset the password of the licensing portal's account with this email address, but there is no account with it.\n\nIf you have an account under another address, ask for the reset there:\n\n" + url + "/forgot\n\nIf you did not ask for this, ignore this message.\n"},
		"notice": {mailData{License: id, Product: "PC", Edition: "standard", Until: until, URL: url},
			fmt.Sprintf("The maintenance of your license %s (%s %s) ends on %s.\n\nTo keep receiving updates, buy a renewal key and enter it for license %s here:\n\n%s/renew?license=%s\n", id, "PC", "standard", until, id, url, id)},
		"email-confirm": {mailData{Link: link, OldEmail: "ann@example.com", NewEmail: "ann@example.org"},
			"Someone, perhaps you, asked to make this address the email address, and the login id, of the licensing portal's account ann@example.com.\n\nTo confirm, open this link within 24 hours. It works once:\n\n" + link + "\n\nIf you did not ask for this, ignore this message: nothing changes.\n"},
		"email-change-asked": {mailData{URL: url, NewEmail: "ann@example.org"},
			"Someone logged in to your licensing portal account asked to change its email address, your login id, to ann@example.org.\n\nIt changes only if the link we sent to that address is followed.\n\nIf this was not you, someone may know your password: change it now on your account page, which also logs out everyone else and cancels the change of address,\n\n" + url + "/account\n\nand contact support.\n"},
		"email-changed": {mailData{URL: url, OldEmail: "ann@example.com", NewEmail: "ann@example.org"},
			"The email address of your licensing portal account, and your login id, is now ann@example.org; ann@example.com no longer logs in. Your licenses are with the account under its new address.\n\nIf this was not you, contact support at once.\n"},
		"email-taken": {mailData{URL: url},
			"Someone, perhaps you, asked to make this address the login id of another licensing portal account. This address has an account already, so nothing changes.\n\nLog in with this address at\n\n" + url + "/login\n\nor, if you forgot its password, reset it at\n\n" + url + "/forgot\n"},
		"password-changed": {mailData{URL: url},
			"The password of your licensing portal account was changed, and the account was logged out everywhere but where the change was made.\n\nIf this was not you, reset your password now at\n\n" + url + "/forgot\n\nand contact support.\n"},
	} {
		if got := mailText(name, c.d); got != c.want {
			t.Errorf("%s:\n%q\nwant\n%q", name, got, c.want)
		}
	}
	if n := len(mailTemplates().Templates()); n != 19 {
		t.Errorf("%d mail templates: test each", n)
	}
	// Every mail the portal sends ends with how to reach support.
	s := &deps{support: "help@vendor.test"}
	if got, want := s.mailText("confirm", mailData{Link: link}), "To confirm your email address, open this link within 24 hours:\n\n"+link+"\n\n-- \nNeed help? Contact help@vendor.test.\n"; got != want {
		t.Errorf("with the support address:\n%q\nwant\n%q", got, want)
	}
}
