//! What happened: commands, events, the drill state as a fold of events, and the clock.

pub mod clock;
pub mod command;
pub mod event;
pub mod feed;

pub use clock::{Clock, ManualClock, SystemClock};
pub use command::{Actor, Command, CommandKind, Target};
pub use event::{Event, EventKind};

pub use feed::{CommandReply, CommandRequest, CommandSink, SinkError, Update};
