package portal

// HoldPasswordHashes takes every slot and waiting place of s's password
// hashes, so that the next hash is refused at once, until release.
func HoldPasswordHashes(s *Server) (release func()) {
	g := s.d.hashes
	for range cap(g.slots) {
		g.slots <- struct{}{}
	}
	for range cap(g.queue) {
		g.queue <- struct{}{}
	}
	return func() {
		for range cap(g.queue) {
			<-g.queue
		}
		for range cap(g.slots) {
			<-g.slots
		}
	}
}

// ScanQRSVG reads a QR code a page shows as SVG back to its accessible
// name and text, as a phone scans it.
var ScanQRSVG = scanSVG
