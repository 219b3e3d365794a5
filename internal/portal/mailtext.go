package portal

import (
	"embed"
	"strings"
	"sync"
	"text/template"
)

// The bodies of the portal's mail are the text templates in
// templates/mail, beside the pages.

//go:embed templates/mail/*.txt
var mailFS embed.FS

var mailTemplates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("mail").Option("missingkey=error").ParseFS(mailFS, "templates/mail/*.txt"))
})

// mailData is what a mail template is rendered with; each uses the fields
// it needs.
type mailData struct {
	License, Product, Edition string
	RK, Kind, Code, Until     string
	Generation                uint8
	Why                       string
	URL                       string // the portal's public URL
	Link                      string // a link with a token
	Support                   string // how to reach support (WithSupport)
	OldEmail, NewEmail        string // an account's login id, and the one asked for
}

// mailText renders the body of the mail name with d, and the footer that
// says how to reach support when d gives it.
func mailText(name string, d mailData) string {
	// A 168-character code on one line is broken by mail clients
	// anywhere, inside a group too; broken here between groups instead.
	d.Code = wrapCode(d.Code)
	var b strings.Builder
	err := mailTemplates().ExecuteTemplate(&b, name+".txt", d)
	if err == nil && d.Support != "" {
		err = mailTemplates().ExecuteTemplate(&b, "footer.txt", d)
	}
	if err != nil {
		// The templates are the package's own and d a struct, checked
		// when the portal starts: a failure here is a bug the tests meet.
		panic("portal: mail " + name + ": " + err.Error())
	}
	return b.String()
}

// mailText renders the body of the mail name with d: every mail the
// portal sends ends with how to reach support.
func (s *deps) mailText(name string, d mailData) string {
	d.Support = s.support
	return mailText(name, d)
}
