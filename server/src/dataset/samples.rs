//! The sample datasets every new installation gets, generated in code from fixed seeds.
//!
//! The 2-D toy sets are the ones the Lab trains on; the two logs belong to the case studies:
//! a manufacturing line (sensor readings and whether the machine fails within the next
//! [`FAILURE_HORIZON_HOURS`] hours) and a logistics fleet (deliveries and whether they arrived
//! late). The logs are simulated with plausible physics, a few sensor dropouts and the class
//! imbalance real data has, so that their profiles show what profiling is for.

use std::fmt::Write;

use lepton_ml::Dataset;
use lepton_ml::rng::SplitMix64;

/// Hours ahead the manufacturing log's label looks for a failure.
pub(crate) const FAILURE_HORIZON_HOURS: u32 = 24;

/// One generated sample: its name, the column to analyse as target, and its CSV text.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    pub(crate) name: &'static str,
    pub(crate) target: &'static str,
    pub(crate) csv: String,
}

/// Generates a 2-D toy set: points, noise, seed.
type ToyGenerator = fn(usize, f32, u64) -> Dataset;

/// Every sample, in the order they are listed.
pub(crate) fn all() -> Vec<Sample> {
    let toy: [(&str, ToyGenerator); 5] = [
        ("two-moons", Dataset::two_moons),
        ("circles", Dataset::circles),
        ("xor", Dataset::xor),
        ("spirals", Dataset::spirals),
        ("blobs", Dataset::blobs),
    ];
    let mut samples: Vec<Sample> = toy
        .into_iter()
        .map(|(name, generate)| Sample {
            name,
            target: "label",
            csv: toy_csv(&generate(1000, 0.1, 42)),
        })
        .collect();

    samples.push(Sample {
        name: "manufacturing-sensors",
        target: "failure_within_24h",
        csv: manufacturing_log(8, 600, 7),
    });
    samples.push(Sample {
        name: "logistics-deliveries",
        target: "late",
        csv: logistics_log(4000, 11),
    });
    samples
}

fn toy_csv(data: &Dataset) -> String {
    let mut csv = String::from("x,y,label\n");
    for (point, label) in data.features().chunks(2).zip(data.labels()) {
        let _ = writeln!(csv, "{:.5},{:.5},{}", point[0], point[1], *label as u8);
    }
    csv
}

/// Hourly readings of `machines` machines over `hours` hours. Wear grows with running hours
/// and resets at maintenance (a fixed 200-hour interval, or after a failure); temperature and
/// vibration rise with wear, and the hazard of failing grows steeply with it.
fn manufacturing_log(machines: usize, hours: usize, seed: u64) -> String {
    let mut rng = SplitMix64::new(seed);
    let mut readings: Vec<Vec<Reading>> = Vec::with_capacity(machines);

    for machine in 0..machines {
        let mut wear = rng.next_f32() * 0.3;
        let mut since_service = 0_u32;
        let mut series = Vec::with_capacity(hours);
        let speed_setting = 1400.0 + 50.0 * machine as f32;
        for _ in 0..hours {
            wear += 0.002 + 0.002 * rng.next_f32();
            since_service += 1;
            let hazard = 0.0005 + 0.03 * wear.powi(4);
            let failed = rng.next_f32() < hazard;

            series.push(Reading {
                since_service,
                temperature: 62.0 + 18.0 * wear + 1.5 * rng.next_gaussian(),
                pressure: 5.0 + 0.4 * rng.next_gaussian() - 0.6 * wear,
                speed: speed_setting * (1.0 - 0.05 * wear) + 15.0 * rng.next_gaussian(),
                vibration: 1.2 + 2.5 * wear * wear + 0.25 * rng.next_gaussian().abs(),
                power: 7.5 + 1.2 * wear + 0.3 * rng.next_gaussian(),
                failed,
            });
            if failed || since_service >= 200 {
                wear = rng.next_f32() * 0.1;
                since_service = 0;
            }
        }
        readings.push(series);
    }

    let mut csv = String::from(
        "machine,hour,hours_since_service,temperature_c,pressure_bar,speed_rpm,vibration_mm_s,\
         power_kw,failure_within_24h\n",
    );
    for hour in 0..hours {
        for (machine, series) in readings.iter().enumerate() {
            let reading = &series[hour];
            let horizon = (hour + 1)..(hour + 1 + FAILURE_HORIZON_HOURS as usize).min(hours);
            let fails_soon = series[horizon].iter().any(|later| later.failed);
            // About one reading in a hundred loses its temperature: the sensor drops out.
            let temperature = if rng.next_f32() < 0.01 {
                String::new()
            } else {
                format!("{:.2}", reading.temperature)
            };
            let _ = writeln!(
                csv,
                "M{:02},{hour},{},{temperature},{:.3},{:.1},{:.3},{:.2},{}",
                machine + 1,
                reading.since_service,
                reading.pressure,
                reading.speed,
                reading.vibration,
                reading.power,
                u8::from(fails_soon),
            );
        }
    }
    csv
}

struct Reading {
    since_service: u32,
    temperature: f32,
    pressure: f32,
    speed: f32,
    vibration: f32,
    power: f32,
    failed: bool,
}

/// Deliveries of a 20-vehicle fleet: distance, load, traffic and weather set the travel time
/// against a promised window; a delivery is late when it misses it.
fn logistics_log(deliveries: usize, seed: u64) -> String {
    const TRAFFIC: [(&str, f32); 3] = [("low", 1.0), ("medium", 1.25), ("high", 1.7)];
    const WEATHER: [(&str, f32); 4] = [("clear", 1.0), ("rain", 1.15), ("fog", 1.2), ("snow", 1.5)];
    let mut rng = SplitMix64::new(seed);
    let mut csv = String::from(
        "delivery_id,vehicle,depot,distance_km,load_kg,traffic,weather,departure_hour,\
         promised_minutes,late\n",
    );

    for delivery in 0..deliveries {
        let vehicle = 1 + rng.next_index(20);
        let depot = ["north", "south", "east"][rng.next_index(3)];
        let distance = 3.0 + 60.0 * rng.next_f32() * rng.next_f32();
        let load = 50.0 + 950.0 * rng.next_f32();
        let hour = 6 + rng.next_index(14);
        let rush = matches!(hour, 7..=9 | 16..=18);
        let traffic = TRAFFIC[if rush {
            1 + rng.next_index(2)
        } else {
            rng.next_index(2)
        }];
        let weather = WEATHER[match rng.next_index(10) {
            0..=5 => 0,
            6 | 7 => 1,
            8 => 2,
            _ => 3,
        }];

        let free_flow = distance / 40.0 * 60.0 + 10.0 + load / 100.0;
        let promised = (free_flow * 1.35 / 5.0).ceil() * 5.0;
        let actual = free_flow * traffic.1 * weather.1 * (1.0 + 0.12 * rng.next_gaussian());
        let late = if actual > promised { "late" } else { "on_time" };
        // A few loads were never weighed.
        let load = if rng.next_f32() < 0.02 {
            String::new()
        } else {
            format!("{load:.0}")
        };

        let _ = writeln!(
            csv,
            "D{:05},V{vehicle:02},{depot},{distance:.1},{load},{},{},{hour},{promised:.0},{late}",
            delivery + 1,
            traffic.0,
            weather.0,
        );
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_reproducible() {
        let first = all();
        let second = all();
        assert_eq!(first.len(), 7);
        for (a, b) in first.iter().zip(&second) {
            assert_eq!(a.csv, b.csv, "{}", a.name);
        }
    }

    #[test]
    fn the_logs_are_imbalanced_but_not_degenerate() {
        let samples = all();
        for (name, positive) in [
            ("manufacturing-sensors", ",1\n"),
            ("logistics-deliveries", ",late\n"),
        ] {
            let sample = samples.iter().find(|sample| sample.name == name).unwrap();
            let rows = sample.csv.lines().count() - 1;
            let positives = sample.csv.matches(positive).count();
            let share = positives as f64 / rows as f64;
            assert!((0.03..0.45).contains(&share), "{name}: {share:.3}");
        }
    }
}
