//! The name a worker process gives itself in the leases it takes (imports and mail).

/// A worker name that says where it runs: process id and a random suffix.
pub fn new_worker_id() -> String {
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("worker-{}-{}", std::process::id(), &suffix[..8])
}
