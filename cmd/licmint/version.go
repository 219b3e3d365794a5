package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newVersionCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print licmint's version, from the build information",
		Long: `Print the module version licmint was built from, the Go version, and the
version control revision when the build recorded one.`,
		Example: `  licmint version
  licmint version --json`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			v := struct {
				Version  string `json:"version"`
				Go       string `json:"go"`
				Revision string `json:"revision,omitempty"`
			}{Version: "(devel)"}
			if bi, ok := debug.ReadBuildInfo(); ok {
				v.Go = bi.GoVersion
				if bi.Main.Version != "" {
					v.Version = bi.Main.Version
				}
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" {
						v.Revision = s.Value
					}
				}
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), v)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "licmint %s (%s)", v.Version, v.Go)
			if v.Revision != "" {
				fmt.Fprintf(cmd.OutOrStdout(), " revision %s", v.Revision)
			}
			fmt.Fprintln(cmd.OutOrStdout())
			return nil
		},
	}
	jsonFlagVar(cmd, &asJSON)
	return cmd
}
