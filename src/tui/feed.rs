//! Where the console's updates come from, and how it gets back in step after a lag or a gap.
//!
//! - [`Feed::Follow`]: the local console follows the hub itself through [`Follow`]: a lag
//!   or an event past a gap brings a fresh `Update::Snapshot` from the hub, so the console
//!   never stays OUT OF SYNC.
//! - [`Feed::Stream`]: a remote console's stream, whose owner (the network client) sends a
//!   snapshot on reconnect or on request; a lag here marks the replica lost until it comes.

use futures::future::BoxFuture;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::drill::follow::Source;
use crate::drill::{Follow, Replica, Update};

/// A [`Follow`] over any source, boxed so the console need not know the hub's type.
pub trait Following: Send {
    /// The next update; a fresh snapshot after a lag or a gap; `None` once the source is gone.
    fn recv(&mut self) -> BoxFuture<'_, Option<Update>>;
    /// Applies `update` to `replica`: the update when it was applied in order, `None` when
    /// it was dropped (a duplicate, or past a gap: a snapshot is fetched next).
    fn apply(&mut self, replica: &mut Replica, update: Update) -> Option<Update>;
}

impl<S> Following for Follow<S>
where
    S: Source + Send + Sync + 'static,
{
    fn recv(&mut self) -> BoxFuture<'_, Option<Update>> {
        Box::pin(Follow::recv(self))
    }

    fn apply(&mut self, replica: &mut Replica, update: Update) -> Option<Update> {
        Follow::apply(self, replica, update)
    }
}

/// The console's updates (see the module's doc).
pub enum Feed {
    /// A stream whose owner sends snapshots itself (a remote console's client).
    Stream(broadcast::Receiver<Update>),
    /// Following a source that gives a fresh start on demand (the local console's hub).
    Follow(Box<dyn Following>),
}

/// What the feed brought.
#[derive(Debug)]
pub enum Received {
    Update(Update),
    /// The stream lagged by this many updates and cannot heal itself.
    Lagged(u64),
    /// The source is gone.
    Closed,
}

impl From<broadcast::Receiver<Update>> for Feed {
    fn from(updates: broadcast::Receiver<Update>) -> Feed {
        Feed::Stream(updates)
    }
}

impl Feed {
    /// Follows a source through `follow` ([`Follow::start`] gave the events so far).
    pub fn follow<S>(follow: Follow<S>) -> Feed
    where
        S: Source + Send + Sync + 'static,
    {
        Feed::Follow(Box::new(follow))
    }

    /// The next thing the feed brings. Cancel-safe (it sits in the event loop's `select!`).
    pub async fn recv(&mut self) -> Received {
        match self {
            Feed::Stream(rx) => match rx.recv().await {
                Ok(update) => Received::Update(update),
                Err(RecvError::Lagged(n)) => Received::Lagged(n),
                Err(RecvError::Closed) => Received::Closed,
            },
            Feed::Follow(f) => match f.recv().await {
                Some(update) => Received::Update(update),
                None => Received::Closed,
            },
        }
    }

    /// Applies `update` to `replica`; returns whether the screen must be redrawn.
    pub fn apply(&mut self, replica: &mut Replica, update: Update) -> bool {
        match self {
            Feed::Stream(_) => replica.apply(&update),
            Feed::Follow(f) => f.apply(replica, update).is_some(),
        }
    }
}
