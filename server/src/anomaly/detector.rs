//! The per-series detector: an EWMA level and deviation, and a stuck-value check.

/// How a detector learns and scores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Settings {
    /// Weight of a new normal reading in the level and deviation (0.01 remembers about 100).
    pub(crate) alpha: f64,
    /// Readings learned before scoring starts, and again after the source restarts.
    pub(crate) warmup: u32,
    /// Scores above this are anomalous.
    pub(crate) threshold: f64,
    /// Identical readings in a row that score as much as the threshold.
    pub(crate) stuck_readings: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            alpha: 0.01,
            warmup: 30,
            threshold: 6.0,
            stuck_readings: 6,
        }
    }
}

/// A series' baseline.
#[derive(Debug, Clone, Default)]
pub(crate) struct Detector {
    level: f64,
    /// Mean absolute deviation from the level.
    deviation: f64,
    /// Mean absolute change between readings.
    motion: f64,
    previous: Option<f64>,
    repeats: u32,
    /// Readings learned since the start or the last restart.
    learned: u32,
}

/// A mean absolute deviation is this many times smaller than the standard deviation of
/// normal noise (sqrt(pi / 2)); scores are in standard deviations.
const MAD_TO_SIGMA: f64 = 1.253_314;

impl Detector {
    /// Scores `value` (0 while learning or idle) and learns from it.
    pub(crate) fn score(&mut self, settings: &Settings, value: f64, active: bool) -> f64 {
        if !active {
            // A stopped source comes back in a new state (a serviced machine runs cooler):
            // the baseline is learned afresh after every stop.
            *self = Self::default();
            return 0.0;
        }

        if self.learned == 0 {
            self.level = value;
        }
        let residual = value - self.level;
        let spread = (MAD_TO_SIGMA * self.deviation).max(1e-6 * self.level.abs().max(1.0));
        // A series that has not moved at all yet has no scale to score against.
        let scoring = self.learned >= settings.warmup && self.deviation > 0.0;
        let level_score = if scoring {
            residual.abs() / spread
        } else {
            0.0
        };

        if self.previous == Some(value) {
            self.repeats += 1;
        } else {
            self.repeats = 0;
        }
        let stuck_score = if scoring && self.motion > 1e-9 {
            f64::from(self.repeats) * settings.threshold / f64::from(settings.stuck_readings)
        } else {
            0.0
        };
        let score = level_score.max(stuck_score);

        self.learn(settings, residual, spread, score);
        if let Some(previous) = self.previous
            && self.repeats == 0
            && scoring
        {
            self.motion += settings.alpha * ((value - previous).abs() - self.motion);
        }
        self.previous = Some(value);
        self.learned = self.learned.saturating_add(1);
        score
    }

    /// Moves the level and deviation toward a reading.
    fn learn(&mut self, settings: &Settings, residual: f64, spread: f64, score: f64) {
        if self.learned < settings.warmup {
            // Warm-up learns fast: a plain mean of what was seen.
            let weight = 1.0 / f64::from(self.learned + 1);
            self.level += weight * residual;
            self.deviation += weight * (residual.abs() - self.deviation);
            return;
        }
        // A suspicious reading (half the threshold or more) teaches a tenth as much, clipped,
        // so that a slow drift cannot drag the baseline along with it, while a lasting change
        // is still absorbed in time instead of alarming for ever.
        let limit = settings.threshold / 2.0;
        let (weight, residual) = if score >= limit {
            let clipped = residual.clamp(-limit * spread, limit * spread);
            (settings.alpha / 10.0, clipped)
        } else {
            (settings.alpha, residual)
        };
        self.level += weight * residual;
        self.deviation += weight * (residual.abs() - self.deviation);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lepton_sim::rng::Rng;

    #[test]
    fn noise_scores_low_and_a_jump_scores_high() {
        let settings = Settings::default();
        let mut detector = Detector::default();
        let mut rng = Rng::new(1);
        let mut highest = 0.0_f64;
        for _ in 0..2_000 {
            let score = detector.score(&settings, 50.0 + rng.normal(), true);
            highest = highest.max(score);
        }
        assert!(highest < settings.threshold, "noise scored {highest}");
        assert!(detector.score(&settings, 60.0, true) > settings.threshold);
    }

    #[test]
    fn a_stuck_value_scores_after_a_few_repeats() {
        let settings = Settings::default();
        let mut detector = Detector::default();
        let mut rng = Rng::new(2);
        for _ in 0..200 {
            detector.score(&settings, 2.0 + 0.1 * rng.normal(), true);
        }
        let scores: Vec<f64> = (0..8)
            .map(|_| detector.score(&settings, 2.05, true))
            .collect();
        assert!(scores[0] < settings.threshold);
        assert!(scores[7] > settings.threshold, "{scores:?}");
    }

    #[test]
    fn idle_readings_are_not_scored_and_a_restart_learns_afresh() {
        let settings = Settings::default();
        let mut detector = Detector::default();
        let mut rng = Rng::new(3);
        for _ in 0..200 {
            detector.score(&settings, 60.0 + rng.normal(), true);
        }
        for _ in 0..100 {
            assert_eq!(detector.score(&settings, 24.0, false), 0.0);
        }
        // Back at work, the baseline is learned again before anything is scored.
        assert_eq!(detector.score(&settings, 40.0, true), 0.0);
    }
}
