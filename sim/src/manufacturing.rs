//! The manufacturing line: machines that wear, fail, get repaired and get serviced.
//!
//! Each machine runs at its nameplate rate less what wear costs it. Wear raises the hazard of
//! failure (quadratically) and the share of scrap; a failure stops the machine for a repair,
//! and a service resets its wear for a smaller cost. When to service is the maintenance
//! policy's call: the baseline [`FixedInterval`] services every so many operating hours,
//! whatever the sensors say, which is what predictive maintenance is measured against.
//!
//! Every step reports, per machine, the sensors (temperature, pressure, speed, vibration,
//! power) and the step's accounting (output, scrap, capacity at nameplate, run and down
//! seconds, energy, cost, failures), from which the site's KPIs are summed.

use crate::fault::{Fault, FaultKind, FaultLabel};
use crate::rng::Rng;
use crate::{Sample, Site, Step, sample};

/// Names of the metrics the line reports, shared with the KPI code that sums them.
pub mod metric {
    /// Units made in the step.
    pub const OUTPUT: &str = "output";
    /// Units of the step's output that failed inspection.
    pub const SCRAP: &str = "scrap";
    /// Units the machine could have made in the step at its nameplate rate.
    pub const CAPACITY: &str = "capacity";
    /// Seconds of the step the machine ran.
    pub const RUN_SECONDS: &str = "run_seconds";
    /// Seconds of the step the machine stood for repair or service.
    pub const DOWN_SECONDS: &str = "down_seconds";
    /// Energy used in the step, kWh.
    pub const ENERGY_KWH: &str = "energy_kwh";
    /// Energy, repair and service spent in the step, in euros.
    pub const COST: &str = "cost";
    /// Failures in the step (0 or 1).
    pub const FAILURES: &str = "failures";
    /// Temperature, °C.
    pub const TEMPERATURE: &str = "temperature";
    /// Hydraulic pressure, bar.
    pub const PRESSURE: &str = "pressure";
    /// Spindle speed, rpm.
    pub const SPEED: &str = "speed";
    /// Vibration velocity, mm/s.
    pub const VIBRATION: &str = "vibration";
    /// Electrical power, kW.
    pub const POWER: &str = "power";
    /// The code of the labelled fault in progress, 0 for none (see `FaultKind::code`).
    pub const FAULT: &str = "fault";
}

/// How the line is built and what things cost.
#[derive(Debug, Clone, PartialEq)]
pub struct LineSettings {
    /// Machines on the line.
    pub machines: usize,
    /// Simulated seconds per step.
    pub step_seconds: f64,
    /// Units per hour a new machine makes.
    pub nameplate_per_hour: f64,
    /// Euros per kWh.
    pub energy_price: f64,
    /// Euros per repair after a failure.
    pub repair_cost: f64,
    /// Hours a repair takes.
    pub repair_hours: f64,
    /// Euros per planned service.
    pub service_cost: f64,
    /// Hours a service takes.
    pub service_hours: f64,
    /// Wear gained per operating hour (1.0 is a worn-out machine).
    pub wear_per_hour: f64,
    /// Failures per operating hour of a new machine.
    pub failures_per_hour: f64,
    /// Random faults per machine-hour (0 for none).
    pub faults_per_hour: f64,
}

impl Default for LineSettings {
    fn default() -> Self {
        Self {
            machines: 6,
            step_seconds: 60.0,
            nameplate_per_hour: 120.0,
            energy_price: 0.18,
            repair_cost: 2_400.0,
            repair_hours: 4.0,
            service_cost: 350.0,
            service_hours: 1.0,
            wear_per_hour: 1.0 / 160.0,
            failures_per_hour: 1.0 / 400.0,
            faults_per_hour: 1.0 / 96.0,
        }
    }
}

/// What a maintenance policy sees of a machine before each step.
#[derive(Debug, Clone, PartialEq)]
pub struct MachineView<'a> {
    /// The machine's id.
    pub id: &'a str,
    /// Operating hours since its last service or repair.
    pub hours_since_service: f64,
    /// Its temperature reading of the last step, °C.
    pub temperature: f64,
    /// Its vibration reading of the last step, mm/s.
    pub vibration: f64,
    /// Simulated seconds since the start.
    pub clock: f64,
}

/// Decides when a running machine stops for service.
pub trait MaintenancePolicy: Send {
    /// The policy's name, attached to the line's readings.
    fn name(&self) -> &str;

    /// Whether to service the machine now.
    fn service_now(&mut self, machine: &MachineView<'_>) -> bool;
}

/// The baseline: service every `hours` operating hours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedInterval {
    /// Operating hours between services.
    pub hours: f64,
}

impl Default for FixedInterval {
    fn default() -> Self {
        Self { hours: 80.0 }
    }
}

impl MaintenancePolicy for FixedInterval {
    fn name(&self) -> &str {
        "fixed-interval"
    }

    fn service_now(&mut self, machine: &MachineView<'_>) -> bool {
        machine.hours_since_service >= self.hours
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Running,
    Repair { left: f64 },
    Service { left: f64 },
}

#[derive(Debug, Clone, Copy)]
struct ActiveFault {
    kind: FaultKind,
    ends: f64,
    started: f64,
    label: usize,
    /// The vibration reading a stuck sensor repeats.
    frozen: f64,
}

#[derive(Debug, Clone)]
struct Machine {
    id: String,
    state: State,
    wear: f64,
    hours_since_service: f64,
    temperature: f64,
    vibration: f64,
    /// Fractional units carried to the next step, so output is whole units.
    carry: f64,
    fault: Option<ActiveFault>,
    rng: Rng,
}

/// One step's accounting for one machine.
#[derive(Debug, Default)]
struct Ledger {
    run: f64,
    down: f64,
    failed: bool,
    spent: f64,
}

/// The simulated line.
pub struct Line {
    settings: LineSettings,
    policy: Box<dyn MaintenancePolicy>,
    machines: Vec<Machine>,
    clock: f64,
    labels: Vec<FaultLabel>,
}

impl std::fmt::Debug for Line {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Line")
            .field("policy", &self.policy.name())
            .field("clock", &self.clock)
            .field("machines", &self.machines.len())
            .finish_non_exhaustive()
    }
}

impl Line {
    /// A line of new machines (`m01`, `m02`, …) under `policy`, its randomness fixed by `seed`.
    #[must_use]
    pub fn new(settings: LineSettings, policy: Box<dyn MaintenancePolicy>, seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let machines = (0..settings.machines)
            .map(|index| {
                let mut rng = rng.fork(index as u64);
                // Machines start at different ages, all short of the usual service interval,
                // so that services do not all fall together.
                let age = rng.between(0.0, 0.45);
                Machine {
                    id: format!("m{:02}", index + 1),
                    state: State::Running,
                    wear: age,
                    hours_since_service: age / settings.wear_per_hour.max(f64::EPSILON),
                    temperature: 24.0,
                    vibration: 0.0,
                    carry: 0.0,
                    fault: None,
                    rng,
                }
            })
            .collect();
        Self {
            settings,
            policy,
            machines,
            clock: 0.0,
            labels: Vec::new(),
        }
    }

    /// Ends faults that are over and starts random ones.
    fn update_faults(&mut self, index: usize) {
        let clock = self.clock;
        let chance = self.settings.faults_per_hour * self.settings.step_seconds / 3600.0;
        let machine = &mut self.machines[index];
        if let Some(fault) = machine.fault
            && clock >= fault.ends
        {
            self.labels[fault.label].end = Some(clock);
            machine.fault = None;
        }
        if machine.fault.is_none() && machine.rng.chance(chance) {
            let kind = match machine.rng.below(3) {
                0 => FaultKind::SensorDrift,
                1 => FaultKind::StuckSensor,
                _ => FaultKind::Overheating,
            };
            let seconds = machine.rng.between(30.0, 120.0) * 60.0;
            self.start_fault(Fault {
                kind,
                target: index,
                seconds,
            });
        }
    }

    fn start_fault(&mut self, fault: Fault) {
        let Some(machine) = self.machines.get_mut(fault.target) else {
            return;
        };
        if let Some(previous) = machine.fault.take() {
            self.labels[previous.label].end = Some(self.clock);
        }
        machine.fault = Some(ActiveFault {
            kind: fault.kind,
            ends: self.clock + fault.seconds,
            started: self.clock,
            label: self.labels.len(),
            frozen: machine.vibration,
        });
        self.labels.push(FaultLabel {
            kind: fault.kind,
            source: machine.id.clone(),
            metric: fault.kind.metric(),
            start: self.clock,
            end: None,
        });
    }

    /// Moves one machine through the step: service, failure or repair, and what it cost.
    fn operate(&mut self, index: usize) -> Ledger {
        let settings = &self.settings;
        let step = settings.step_seconds;
        let machine = &mut self.machines[index];
        let mut ledger = Ledger::default();

        if machine.state == State::Running {
            let view = MachineView {
                id: &machine.id,
                hours_since_service: machine.hours_since_service,
                temperature: machine.temperature,
                vibration: machine.vibration,
                clock: self.clock,
            };
            if self.policy.service_now(&view) {
                machine.state = State::Service {
                    left: settings.service_hours * 3600.0,
                };
                ledger.spent += settings.service_cost;
            }
        }

        match machine.state {
            State::Running => {
                let overheating = matches!(
                    machine.fault,
                    Some(ActiveFault {
                        kind: FaultKind::Overheating,
                        ..
                    })
                );
                let hazard = settings.failures_per_hour
                    * (1.0 + 8.0 * machine.wear.powi(2))
                    * if overheating { 6.0 } else { 1.0 };
                if machine.rng.chance(1.0 - (-hazard * step / 3600.0).exp()) {
                    // The failure strikes somewhere inside the step.
                    ledger.run = step * machine.rng.uniform();
                    ledger.down = step - ledger.run;
                    ledger.failed = true;
                    ledger.spent += settings.repair_cost;
                    machine.state = State::Repair {
                        left: settings.repair_hours * 3600.0 - ledger.down,
                    };
                } else {
                    ledger.run = step;
                }
            }
            State::Repair { left } | State::Service { left } => {
                ledger.down = left.min(step);
                ledger.run = step - ledger.down;
                let left = left - ledger.down;
                machine.state = match machine.state {
                    _ if left <= 0.0 => {
                        // Both bring the machine back; a service leaves it as new, a repair
                        // replaces the broken part only.
                        machine.wear = if matches!(machine.state, State::Service { .. }) {
                            0.0
                        } else {
                            machine.wear * 0.4
                        };
                        machine.hours_since_service = 0.0;
                        State::Running
                    }
                    State::Repair { .. } => State::Repair { left },
                    _ => State::Service { left },
                };
            }
        }
        ledger
    }

    /// One machine's step: its accounting and its sensor readings.
    fn advance(&mut self, index: usize, samples: &mut Vec<Sample>) {
        self.update_faults(index);
        let ledger = self.operate(index);
        let settings = &self.settings;
        let clock = self.clock + settings.step_seconds;
        let machine = &mut self.machines[index];
        let rng = &mut machine.rng;
        let running = ledger.run > 0.0;
        let fault = machine.fault.map(|fault| fault.kind);

        // Production: wear slows the machine and spoils more units.
        let pace = (1.0 - 0.08 * machine.wear.min(2.0)).max(0.5);
        machine.carry += settings.nameplate_per_hour * pace * ledger.run / 3600.0;
        let output = machine.carry.floor();
        machine.carry -= output;
        let scrap_rate = 0.015
            + 0.04 * machine.wear.min(2.0)
            + if fault == Some(FaultKind::Overheating) {
                0.05
            } else {
                0.0
            };
        let mut scrap = 0.0;
        for _ in 0..output as u64 {
            if rng.chance(scrap_rate) {
                scrap += 1.0;
            }
        }
        let capacity = settings.nameplate_per_hour * settings.step_seconds / 3600.0;
        machine.wear += settings.wear_per_hour * ledger.run / 3600.0;
        machine.hours_since_service += ledger.run / 3600.0;

        // Sensors: the truth first, then what a faulty sensor makes of it.
        let speed = if running {
            1450.0 * pace + 8.0 * rng.normal()
        } else {
            0.0
        };
        let heat = if fault == Some(FaultKind::Overheating) {
            18.0
        } else {
            0.0
        };
        let target = if running {
            62.0 + 8.0 * machine.wear + heat
        } else {
            24.0
        };
        machine.temperature += 0.35 * (target - machine.temperature) + 0.6 * rng.normal();
        let pressure = if running {
            6.2 - 0.25 * machine.wear + 0.05 * rng.normal()
        } else {
            1.0 + 0.02 * rng.normal()
        };
        let vibration = if running {
            (1.8 + 2.5 * machine.wear.powi(2) + 0.15 * rng.normal()).max(0.0)
        } else {
            0.05
        };
        machine.vibration = vibration;
        let power = if running {
            18.0 * speed / 1450.0 + 2.0 * machine.wear + 0.3 * rng.normal()
        } else {
            0.4
        };
        let energy = (power.max(0.0) * ledger.run + 0.4 * ledger.down) / 3600.0;
        let cost = ledger.spent + energy * settings.energy_price;

        let mut temperature = machine.temperature;
        let mut vibration_read = vibration;
        if let Some(active) = machine.fault {
            match active.kind {
                FaultKind::SensorDrift => temperature += 0.15 * (clock - active.started) / 60.0,
                FaultKind::StuckSensor => vibration_read = active.frozen,
                FaultKind::Overheating | FaultKind::Breakdown => {}
            }
        }

        let id = machine.id.clone();
        for (metric, value) in [
            (metric::TEMPERATURE, temperature),
            (metric::PRESSURE, pressure),
            (metric::SPEED, speed),
            (metric::VIBRATION, vibration_read),
            (metric::POWER, power),
            (metric::OUTPUT, output),
            (metric::SCRAP, scrap),
            (metric::CAPACITY, capacity),
            (metric::RUN_SECONDS, ledger.run),
            (metric::DOWN_SECONDS, ledger.down),
            (metric::ENERGY_KWH, energy),
            (metric::COST, cost),
            (metric::FAILURES, if ledger.failed { 1.0 } else { 0.0 }),
            (metric::FAULT, fault.map_or(0.0, FaultKind::code)),
        ] {
            sample(samples, &id, metric, value);
        }
    }
}

impl Site for Line {
    fn step(&mut self) -> Step {
        let mut samples = Vec::with_capacity(self.machines.len() * 14);
        for index in 0..self.machines.len() {
            self.advance(index, &mut samples);
        }
        self.clock += self.settings.step_seconds;
        Step {
            clock: self.clock,
            samples,
        }
    }

    fn step_seconds(&self) -> f64 {
        self.settings.step_seconds
    }

    fn policy(&self) -> &str {
        self.policy.name()
    }

    fn inject(&mut self, fault: Fault) {
        self.start_fault(fault);
    }

    fn labels(&self) -> &[FaultLabel] {
        &self.labels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(seed: u64) -> Line {
        Line::new(
            LineSettings::default(),
            Box::new(FixedInterval::default()),
            seed,
        )
    }

    fn total(steps: &[Step], wanted: &str) -> f64 {
        steps.iter().flat_map(|step| step.values(wanted)).sum()
    }

    #[test]
    fn a_seed_replays_the_same_line() {
        let run = |seed| {
            let mut line = line(seed);
            (0..500).map(|_| line.step()).collect::<Vec<_>>()
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }

    #[test]
    fn a_month_of_the_line_adds_up() {
        let mut line = line(11);
        let steps: Vec<Step> = (0..30 * 24 * 60).map(|_| line.step()).collect();
        let run = total(&steps, metric::RUN_SECONDS);
        let down = total(&steps, metric::DOWN_SECONDS);
        let machines = 6.0;

        // Every second of every machine is either run or down.
        assert!((run + down - machines * 30.0 * 86_400.0).abs() < 1e-3);
        let availability = run / (run + down);
        assert!(
            (0.85..0.995).contains(&availability),
            "availability {availability}"
        );
        let efficiency = total(&steps, metric::OUTPUT) / total(&steps, metric::CAPACITY);
        assert!(
            (0.75..0.99).contains(&efficiency),
            "efficiency {efficiency}"
        );
        let failures = total(&steps, metric::FAILURES);
        assert!((1.0..40.0).contains(&failures), "failures {failures}");
        assert!(total(&steps, metric::SCRAP) < total(&steps, metric::OUTPUT) * 0.1);
        assert!(!line.labels().is_empty(), "random faults happen in a month");
    }

    #[test]
    fn an_injected_drift_is_labelled_and_raises_the_reading() {
        let settings = LineSettings {
            faults_per_hour: 0.0,
            ..LineSettings::default()
        };
        let mut line = Line::new(settings, Box::new(FixedInterval::default()), 5);
        let settle: Vec<Step> = (0..60).map(|_| line.step()).collect();
        let before = settle
            .last()
            .unwrap()
            .reading("m02", metric::TEMPERATURE)
            .unwrap();
        line.inject(Fault {
            kind: FaultKind::SensorDrift,
            target: 1,
            seconds: 3_600.0,
        });
        let during: Vec<Step> = (0..50).map(|_| line.step()).collect();
        let after = during
            .last()
            .unwrap()
            .reading("m02", metric::TEMPERATURE)
            .unwrap();
        assert!(after > before + 5.0, "drift from {before} to {after}");
        assert_eq!(during[10].reading("m02", metric::FAULT), Some(1.0));
        let [label] = line.labels() else {
            panic!("one label: {:?}", line.labels());
        };
        assert_eq!(label.kind, FaultKind::SensorDrift);
        assert_eq!(label.metric, metric::TEMPERATURE);
        assert!(label.covers(3_700.0));
    }

    #[test]
    fn the_fixed_interval_policy_services_on_time() {
        let mut policy = FixedInterval { hours: 10.0 };
        let view = |hours| MachineView {
            id: "m01",
            hours_since_service: hours,
            temperature: 60.0,
            vibration: 2.0,
            clock: 0.0,
        };
        assert!(!policy.service_now(&view(9.9)));
        assert!(policy.service_now(&view(10.0)));
    }
}
