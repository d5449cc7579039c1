//! Operations: the backup script end to end (dump, verified restore, retention), and a
//! deliberately corrupted dump being caught.
use personality_integration::*;
use std::process::Command;

fn backup_sh(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    Command::new("bash")
        .arg(root().join("scripts/backup.sh"))
        .args(args)
        .env("PGHOST", host())
        .env("PGPORT", port().to_string())
        .env("PGUSER", "postgres")
        .env("BACKUP_DIR", dir)
        .output()
        .expect("running scripts/backup.sh")
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn backup_verify_and_corruption() {
    let db = "it_ops_backup";
    let mut c = fresh_db(db, 100, 10, true);
    c.batch_execute(
        "INSERT INTO personality_profiles (user_id, primary_type, personality_scores)
         SELECT id, 'social', '{\"social\": 80}' FROM profiles;
         INSERT INTO swipes (user_id, product_id, direction)
         SELECT p.id, pr.id, 'right' FROM profiles p CROSS JOIN (SELECT id FROM products ORDER BY id LIMIT 3) pr;
         UPDATE personality_gift_mappings SET recommendation_weight = 0.5 WHERE personality_type = 'creative';",
    )
    .expect("data");
    let dir = std::env::temp_dir().join(format!("it_ops_backup_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    // A daily dump with a dated name, verified by a real restore.
    let out = backup_sh(&["backup", db], &dir);
    assert!(out.status.success(), "backup failed: {}", text(&out));
    let dumps: Vec<_> = std::fs::read_dir(&dir)
        .expect("backup dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "dump"))
        .collect();
    assert_eq!(dumps.len(), 1, "{dumps:?}");
    let dump = dumps[0].to_string_lossy().to_string();
    assert!(dump.contains(&format!("{db}_daily_")), "{dump}");
    let out = backup_sh(&["verify", &dump, db], &dir);
    assert!(out.status.success(), "verify failed: {}", text(&out));
    assert!(
        text(&out).contains("row counts and checksums equal"),
        "{}",
        text(&out)
    );

    // The database moves on after the dump: verify must notice the difference.
    let before: String = c
        .query_one(
            "SELECT primary_type::text FROM personality_profiles ORDER BY user_id LIMIT 1",
            &[],
        )
        .expect("read")
        .get(0);
    c.batch_execute("UPDATE personality_profiles SET primary_type = 'changed' WHERE user_id = (SELECT user_id FROM personality_profiles ORDER BY user_id LIMIT 1)")
        .expect("change");
    let out = backup_sh(&["verify", &dump, db], &dir);
    assert!(
        !out.status.success(),
        "a changed source verified: {}",
        text(&out)
    );
    assert!(text(&out).contains("verification FAILED"), "{}", text(&out));
    c.execute(
        "UPDATE personality_profiles SET primary_type = $1 WHERE user_id = (SELECT user_id FROM personality_profiles ORDER BY user_id LIMIT 1)",
        &[&before],
    )
    .expect("change back");
    let out = backup_sh(&["verify", &dump, db], &dir);
    assert!(
        out.status.success(),
        "verify after undo failed: {}",
        text(&out)
    );

    // A corrupted dump (bytes overwritten in the middle, the checksum file of the
    // original next to it) is caught, wherever the bytes land.
    assert!(
        std::path::Path::new(&format!("{dump}.sha256")).exists(),
        "backup wrote no checksum file"
    );
    let mut bytes = std::fs::read(&dump).expect("read dump");
    let mid = bytes.len() / 2;
    for b in bytes.iter_mut().skip(mid).take(64) {
        *b ^= 0x5a;
    }
    let bad = format!("{dump}.corrupt");
    std::fs::write(&bad, &bytes).expect("write corrupt dump");
    std::fs::copy(format!("{dump}.sha256"), format!("{bad}.sha256")).expect("copy checksum");
    let out = backup_sh(&["verify", &bad, db], &dir);
    assert!(
        !out.status.success(),
        "a corrupted dump verified: {}",
        text(&out)
    );
    assert!(
        text(&out).contains("does not match its checksum"),
        "{}",
        text(&out)
    );
    // Without a checksum file, a dump cut short (a copy that stopped half way) fails the
    // restore.
    let original = std::fs::read(&dump).expect("read dump");
    let cut = format!("{dump}.cut");
    std::fs::write(&cut, &original[..original.len() / 2]).expect("write cut dump");
    let out = backup_sh(&["verify", &cut, db], &dir);
    assert!(
        !out.status.success(),
        "a truncated dump verified: {}",
        text(&out)
    );
    assert!(
        text(&out).contains("no ") && text(&out).contains(".sha256"),
        "{}",
        text(&out)
    );

    // An empty file is refused.
    let empty = format!("{dump}.empty");
    std::fs::write(&empty, b"").expect("write empty");
    let out = backup_sh(&["verify", &empty, db], &dir);
    assert!(!out.status.success());

    // Retention: an old daily dump goes, a fresh one stays.
    let old = dir.join(format!("{db}_daily_20000101T000000Z.dump"));
    std::fs::copy(&dump, &old).expect("copy");
    let old_sum = format!("{}.sha256", old.display());
    std::fs::copy(format!("{dump}.sha256"), &old_sum).expect("copy checksum");
    let touched = Command::new("touch")
        .args(["-d", "2000-01-01"])
        .arg(&old)
        .status()
        .expect("touch");
    assert!(touched.success());
    let out = backup_sh(&["prune"], &dir);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!old.exists(), "old daily dump kept");
    assert!(
        !std::path::Path::new(&old_sum).exists(),
        "old checksum file kept"
    );
    assert!(std::path::Path::new(&dump).exists(), "fresh dump deleted");

    let _ = std::fs::remove_dir_all(&dir);
    drop(c);
    drop_db(db);
}
