//! A request's link to JS: the events it reports, the read credit JS grants, and the decisions
//! JS makes (follow a redirect, answer a login).

use std::sync::Arc;

use tokio::sync::{mpsc, Semaphore};

use crate::errors::NetError;
use crate::request::auth::Credentials;
use crate::request::events::{Channel, Event, Lifeline};

/// What JS answers when the engine waits on it.
#[derive(Debug)]
pub enum Decision {
  /// After a `'redirect'` event: follow it or not.
  Follow(bool),
  /// After a `'login'` event: credentials, or `None` to deliver the 401/407 as the response.
  Login(Option<Credentials>),
}

#[derive(Clone)]
pub struct Reporter {
  pub id: u32,
  /// The channel of the JS module load that started the request.
  pub channel: Arc<Channel>,
  pub lifeline: Arc<Lifeline>,
  /// Permits granted by `read()`: one permit lets one more body chunk be read.
  pub credit: Arc<Semaphore>,
}

impl Reporter {
  pub fn emit(&self, event: Event) {
    self.channel.emit(self.id, &self.lifeline, event);
  }

  pub async fn wait_for_credit(&self) {
    if let Ok(permit) = self.credit.acquire().await {
      permit.forget();
    }
  }
}

/// Waits for JS's next decision. A closed channel means the JS request is gone.
pub async fn next_decision(
  rx: &mut mpsc::UnboundedReceiver<Decision>,
) -> Result<Decision, NetError> {
  rx.recv().await.ok_or(NetError::ERR_FAILED)
}
