//! Where a personality_recommend call spends its time: each phase's wall time, reported
//! at DEBUG1 when the call ends (`SET client_min_messages = debug1`).

/// When the last phase ended, and each phase's name and milliseconds.
type Phases = (Option<std::time::Instant>, Vec<(&'static str, f64)>);

thread_local! {
    static PHASES: std::cell::RefCell<Phases> = const { std::cell::RefCell::new((None, Vec::new())) };
}

/// Starts timing a call: forgets the phases of the last one.
pub(crate) fn start() {
    PHASES.with(|p| {
        let mut p = p.borrow_mut();
        p.1.clear();
        p.0 = Some(std::time::Instant::now());
    });
}

/// Marks the end of the phase `name` (its wall time since the last mark).
pub(crate) fn done(name: &'static str) {
    let now = std::time::Instant::now();
    PHASES.with(|p| {
        let mut p = p.borrow_mut();
        if let Some(t) = p.0 {
            p.1.push((name, (now - t).as_secs_f64() * 1000.0));
        }
        p.0 = Some(now);
    });
}

/// The phases of the call, "name ms, ...", and forgets them.
pub(crate) fn report() -> String {
    PHASES.with(|p| {
        let mut p = p.borrow_mut();
        p.0 = None;
        let out: Vec<String> = p.1.iter().map(|(n, ms)| format!("{n} {ms:.2}")).collect();
        p.1.clear();
        out.join(", ")
    })
}
