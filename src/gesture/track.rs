//! Locking onto one person: the largest hand in view starts the interaction and is followed
//! from frame to frame by where its palm is; other hands are ignored until the lock is released
//! (its hand gone for `RELEASE_MS`). The same person's other hand may take over when the locked
//! one drops out: it is about as large and near where the locked hand was.

use super::pose::Pose;

const RELEASE_MS: u64 = 1500;
/// A hand this many hand sizes from the locked palm is someone else's, or a jump.
const FOLLOW_SIZES: f32 = 2.5;
const SAME_PERSON_SIZES: f32 = 6.0;

#[derive(Debug, Clone)]
struct Locked {
    palm: [f32; 2],
    size: f32,
    last_seen_ms: u64,
}

#[derive(Debug, Default)]
pub struct Lock {
    locked: Option<Locked>,
}

fn similar_size(a: f32, b: f32, ratio: f32) -> bool {
    a / b <= ratio && b / a <= ratio
}

impl Lock {
    pub fn is_locked(&self) -> bool {
        self.locked.is_some()
    }

    /// Which of this frame's hands is the locked person's (locking the largest when free).
    /// Returns the hand's index and whether its path starts afresh (a new lock, or the hand
    /// back after a gap): the caller forgets the old motion then.
    pub fn choose(&mut self, t_ms: u64, poses: &[Pose]) -> Option<(usize, bool)> {
        let distance = |p: &Pose, palm: [f32; 2]| (p.palm[0] - palm[0]).hypot(p.palm[1] - palm[1]);
        if let Some(locked) = &self.locked {
            let absent = t_ms.saturating_sub(locked.last_seen_ms);
            let follows = poses
                .iter()
                .enumerate()
                .filter(|(_, p)| similar_size(p.size, locked.size, 1.6))
                .map(|(i, p)| (i, distance(p, locked.palm) / locked.size))
                .filter(|(_, d)| *d <= FOLLOW_SIZES || (absent > 250 && *d <= SAME_PERSON_SIZES))
                .min_by(|a, b| a.1.total_cmp(&b.1));
            match follows {
                Some((i, _)) => {
                    self.locked = Some(Locked { palm: poses[i].palm, size: poses[i].size, last_seen_ms: t_ms });
                    // A hand found again after a gap starts a new path: the gap is no movement.
                    return Some((i, absent > 250));
                }
                None if absent <= RELEASE_MS => return None,
                None => self.locked = None,
            }
        }
        let (i, largest) = poses.iter().enumerate().max_by(|a, b| a.1.size.total_cmp(&b.1.size))?;
        self.locked = Some(Locked { palm: largest.palm, size: largest.size, last_seen_ms: t_ms });
        Some((i, true))
    }
}
