//! The optional background worker that keeps the collaborative model fresh without
//! pg_cron (issue 21): with the library in `shared_preload_libraries` and
//! `personality.refresh_database` set, one worker connects to that database as the
//! bootstrap superuser and calls `personality_refresh_model()` every
//! `personality.refresh_interval` seconds, while the extension is installed there.
//!
//! It takes no lock of its own: the refresh serialises itself (the model state row,
//! FOR UPDATE), so a refresh started by hand or by pg_cron meanwhile waits for it. A
//! refresh that fails ends the worker with the error in the server log; the postmaster
//! starts it again after `personality.refresh_interval` seconds (at least 10).
use crate::cache::{query, Query};
use pgrx::bgworkers::{
    BackgroundWorker, BackgroundWorkerBuilder, BgWorkerStartTime, SignalWakeFlags,
};
use pgrx::prelude::*;
use std::time::Duration;

/// Registers the worker; from `_PG_init`, only while shared_preload_libraries loads.
pub fn init() {
    // SAFETY: reads a backend global set by the postmaster.
    if !unsafe { pg_sys::process_shared_preload_libraries_in_progress } {
        return;
    }
    let Some(db) = crate::guc::refresh_database() else {
        return;
    };
    let restart = crate::guc::REFRESH_INTERVAL.get().max(10) as u64;
    BackgroundWorkerBuilder::new("personality_ext model refresh")
        .set_type("personality_ext model refresh")
        .set_function("personality_refresh_worker_main")
        .set_library("personality_ext")
        .set_extra(&db)
        .enable_spi_access()
        .set_start_time(BgWorkerStartTime::RecoveryFinished)
        .set_restart_time(Some(Duration::from_secs(restart)))
        .load();
}

/// The statement the worker runs, when the extension is installed in its database:
/// the refresh, called by its schema.
const REFRESH_CALL: Query = query!("worker/refresh_call", []);

/// The worker's main loop.
#[pg_guard]
#[no_mangle]
pub extern "C-unwind" fn personality_refresh_worker_main(_arg: pg_sys::Datum) {
    BackgroundWorker::attach_signal_handlers(SignalWakeFlags::SIGHUP | SignalWakeFlags::SIGTERM);
    let db = BackgroundWorker::get_extra().to_string();
    BackgroundWorker::connect_worker_to_spi(Some(&db), None);
    log!("personality_ext: refreshing the model of database {db} every personality.refresh_interval seconds");
    loop {
        let secs = crate::guc::REFRESH_INTERVAL.get();
        let wait = Duration::from_secs(if secs > 0 { secs as u64 } else { 60 });
        if !BackgroundWorker::wait_latch(Some(wait)) {
            break;
        }
        if BackgroundWorker::sighup_received() {
            // SAFETY: re-reads postgresql.conf, as every backend does on SIGHUP.
            unsafe { pg_sys::ProcessConfigFile(pg_sys::GucContext::PGC_SIGHUP) };
            continue;
        }
        if crate::guc::REFRESH_INTERVAL.get() <= 0 {
            continue;
        }
        BackgroundWorker::transaction(|| {
            Spi::connect_mut(|client| {
                let call = client
                    .select(REFRESH_CALL.sql, Some(1), &[])
                    .ok()
                    .and_then(|rows| rows.first().get_one::<String>().ok().flatten());
                if let Some(call) = call {
                    if let Err(e) = client.update(&call, None, &[]) {
                        warning!("personality_ext: the model refresh failed: {e}");
                    }
                }
            })
        });
    }
}
