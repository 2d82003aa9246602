package files

import "os/exec"

var execCommand = exec.Command
