//! Shell completions and the man page, generated from the clap definitions so they never
//! drift from the real arguments.

use std::io::Write;

use clap::CommandFactory;

use super::args::Cli;

/// Writes the completion script for `shell` to standard output.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<()> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "warroom", &mut out);
    write_stdout(&out)
}

/// Writes the man page (roff) to standard output: `warroom man > warroom.1`.
pub fn man() -> anyhow::Result<()> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    write_stdout(&out)
}

/// Through the shared output, so a closed pipe (`| head`) ends quietly.
fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    Ok(super::output::stdout().write_all(bytes)?)
}
