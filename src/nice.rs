//! A thread's CPU priority lowered beside its process's other threads: for work that should take
//! only what they leave idle (a server's page parsers beside its requests, a fresh build's
//! blocking index beside its clustering).

/// Lowers the calling thread's priority by `steps` nice steps (on Linux, where nice values are
/// per thread; elsewhere nothing); a failure only leaves it where it was.
pub fn lower_this_thread(steps: i32) {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{getpriority_process, setpriority_process};
        if let Ok(current) = getpriority_process(None) {
            let _ = setpriority_process(None, (current + steps).min(19));
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = steps;
}
