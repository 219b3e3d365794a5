package benchratio

import (
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// PostgresCPU returns a function that tells the CPU time that the
// PostgreSQL server at db has used, its postmaster and every backend,
// those that have exited included, when the server runs on this host and
// its data directory can be read; otherwise nil. A local server's work is
// done on the cores that the benchmark's process uses.
func PostgresCPU(db *sql.DB) func() time.Duration {
	var dir string
	if err := db.QueryRow(`SHOW data_directory`).Scan(&dir); err != nil {
		return nil
	}
	pidFile, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return nil
	}
	pid, _, _ := strings.Cut(string(pidFile), "\n")
	if _, err := strconv.Atoi(pid); err != nil {
		return nil
	}
	return func() time.Duration {
		// The postmaster's own time and its reaped children's (fields 14
		// to 17 of stat), and the time of its live children.
		total := 0
		if f := procStat(pid); f != nil {
			for _, v := range f[11:15] {
				total += atoi(v)
			}
		}
		ents, _ := os.ReadDir("/proc")
		for _, e := range ents {
			if f := procStat(e.Name()); f != nil && f[1] == pid {
				total += atoi(f[11]) + atoi(f[12])
			}
		}
		return time.Duration(total) * time.Second / 100 // USER_HZ
	}
}

// procStat returns the fields of /proc/PID/stat after the command name:
// the state is [0], the parent's pid [1], utime [11].
func procStat(pid string) []string {
	if _, err := strconv.Atoi(pid); err != nil {
		return nil
	}
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return nil
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return nil
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 15 {
		return nil
	}
	return f
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
