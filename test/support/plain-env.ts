// Tests assert what a user sees through a pipe: plain text. A FORCE_COLOR
// set by the machine running them would colour it, so it is cleared here,
// for the tests and for the CLI processes they start.
delete process.env.FORCE_COLOR;
