//! What the command line prints goes through here. A reader that goes away
//! (`warroom check ... | head`) ends the program quietly, as it ends a Unix tool: no error
//! message, no panic, exit status 141 (what a shell reports for a tool killed by SIGPIPE).
//!
//! Use [`stdout`] wherever a subcommand prints its output, and [`note`] for messages to
//! standard error (`eprintln!` panics when standard error is a closed pipe).

use std::fmt::Display;
use std::io::{self, Write};

/// 128 + SIGPIPE: the status of a tool whose output pipe was closed.
pub const EXIT_BROKEN_PIPE: i32 = 141;

/// Standard output that exits quietly when the pipe it writes to is closed.
pub struct Stdout(io::Stdout);

/// The program's standard output; see the module documentation.
pub fn stdout() -> Stdout {
    Stdout(io::stdout())
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        end_quietly_if_closed(self.0.write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        end_quietly_if_closed(self.0.flush())
    }
}

fn end_quietly_if_closed<T>(result: io::Result<T>) -> io::Result<T> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::exit(EXIT_BROKEN_PIPE),
        other => other,
    }
}

/// One line to standard error; lost, not a panic, when standard error is closed.
pub fn note(text: impl Display) {
    let _ = writeln!(io::stderr(), "{text}");
}
