//! The logistics fleet: orders with time windows, vehicles, depots and a road network.
//!
//! Orders arrive at random (a Poisson stream), each to be fetched at a depot and brought to a
//! customer before its due time. Roads form a grid of junctions with fixed lengths; traffic
//! slows every trip, most in the morning and evening rush. Which idle vehicle takes which
//! waiting order is the dispatch policy's call: the baseline [`NearestIdle`] serves orders
//! first come, first served, each with the idle vehicle nearest to its depot.
//!
//! Every step reports, per vehicle, its speed, engine temperature and load; every delivery
//! reports its transport time, cost, lateness and whether it was on time, from which the
//! site's KPIs are computed.

use crate::fault::{Fault, FaultKind, FaultLabel};
use crate::rng::Rng;
use crate::{Sample, Site, Step, sample};

/// Names of the metrics the fleet reports, shared with the KPI code.
pub mod metric {
    /// Minutes from pickup at the depot to delivery, reported once per delivery.
    pub const TRANSPORT_MINUTES: &str = "transport_minutes";
    /// Euros the delivery cost (distance and driver time), once per delivery.
    pub const DELIVERY_COST: &str = "delivery_cost";
    /// Minutes past the due time, 0 when on time, once per delivery.
    pub const LATENESS_MINUTES: &str = "lateness_minutes";
    /// 1 when delivered by the due time, else 0, once per delivery.
    pub const ON_TIME: &str = "on_time";
    /// Vehicle speed, km/h.
    pub const SPEED: &str = "speed";
    /// Engine temperature, °C.
    pub const ENGINE_TEMP: &str = "engine_temp";
    /// 1 while carrying an order, else 0.
    pub const LOAD: &str = "load";
    /// Seconds of the step the vehicle drove (0 while idle or broken down).
    pub const RUN_SECONDS: &str = "run_seconds";
    /// The code of the labelled fault in progress, 0 for none.
    pub const FAULT: &str = "fault";
    /// Orders waiting for a vehicle (source `dispatch`).
    pub const PENDING_ORDERS: &str = "pending_orders";
    /// How much traffic slows trips now, 1.0 for free roads (source `network`).
    pub const TRAFFIC: &str = "traffic";
}

/// How the fleet is built and what things cost.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetSettings {
    /// Vehicles.
    pub vehicles: usize,
    /// Depots, placed on distinct junctions.
    pub depots: usize,
    /// The road grid is `grid` × `grid` junctions.
    pub grid: usize,
    /// Simulated seconds per step.
    pub step_seconds: f64,
    /// Orders per hour, on average.
    pub orders_per_hour: f64,
    /// Cruising speed on free roads, km/h.
    pub speed_kmh: f64,
    /// Minutes to load at the depot.
    pub loading_minutes: f64,
    /// Shortest and longest time window from order to due, minutes.
    pub window_minutes: (f64, f64),
    /// Euros per km driven.
    pub cost_per_km: f64,
    /// Euros per hour of driver time.
    pub cost_per_hour: f64,
    /// Breakdowns per driving hour of a vehicle (0 for none).
    pub breakdowns_per_hour: f64,
}

impl Default for FleetSettings {
    fn default() -> Self {
        Self {
            vehicles: 12,
            depots: 2,
            grid: 6,
            step_seconds: 60.0,
            orders_per_hour: 13.0,
            speed_kmh: 40.0,
            loading_minutes: 5.0,
            window_minutes: (40.0, 100.0),
            cost_per_km: 0.85,
            cost_per_hour: 32.0,
            breakdowns_per_hour: 1.0 / 150.0,
        }
    }
}

/// An order waiting for a vehicle, as the dispatch policy sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderView {
    /// Its id, increasing in order of arrival.
    pub id: u64,
    /// The depot junction it is fetched from.
    pub depot: usize,
    /// The customer junction it goes to.
    pub customer: usize,
    /// Simulated seconds when it was placed.
    pub placed: f64,
    /// Simulated seconds by which it should be delivered.
    pub due: f64,
}

/// A vehicle, as the dispatch policy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VehicleView {
    /// Its index.
    pub index: usize,
    /// The junction it stands at or last left.
    pub at: usize,
    /// Idle and working: it can take an order now.
    pub available: bool,
}

/// A dispatch decision: `vehicle` takes order `order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    /// The order's id.
    pub order: u64,
    /// The vehicle's index.
    pub vehicle: usize,
}

/// What a dispatch policy decides on: the waiting orders (oldest first) and the vehicles.
#[derive(Debug)]
pub struct Board<'a> {
    /// Simulated seconds now.
    pub clock: f64,
    /// Waiting orders, oldest first.
    pub orders: &'a [OrderView],
    /// Every vehicle.
    pub vehicles: &'a [VehicleView],
    roads: &'a Roads,
}

impl Board<'_> {
    /// Shortest road distance between two junctions, km.
    #[must_use]
    pub fn distance(&self, from: usize, to: usize) -> f64 {
        self.roads.distance(from, to)
    }
}

/// Decides which vehicle takes which waiting order.
pub trait DispatchPolicy: Send {
    /// The policy's name, attached to the fleet's readings.
    fn name(&self) -> &str;

    /// Assignments for now; ones naming a busy vehicle or a taken order are ignored.
    fn assign(&mut self, board: &Board<'_>) -> Vec<Assignment>;
}

/// The baseline: first come, first served, each order to the idle vehicle nearest its depot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NearestIdle;

impl DispatchPolicy for NearestIdle {
    fn name(&self) -> &str {
        "nearest-idle-fcfs"
    }

    fn assign(&mut self, board: &Board<'_>) -> Vec<Assignment> {
        let mut free: Vec<VehicleView> = board
            .vehicles
            .iter()
            .copied()
            .filter(|vehicle| vehicle.available)
            .collect();
        let mut assignments = Vec::new();
        for order in board.orders {
            let Some((position, vehicle)) = free.iter().enumerate().min_by(|a, b| {
                let left = board.distance(a.1.at, order.depot);
                let right = board.distance(b.1.at, order.depot);
                left.total_cmp(&right)
            }) else {
                break;
            };
            assignments.push(Assignment {
                order: order.id,
                vehicle: vehicle.index,
            });
            free.swap_remove(position);
        }
        assignments
    }
}

/// Shortest distances between every pair of junctions of the road grid.
#[derive(Debug, Clone)]
struct Roads {
    junctions: usize,
    distances: Vec<f64>,
}

impl Roads {
    /// A `grid` × `grid` network with road lengths of 1.5 to 4 km, by Floyd–Warshall.
    fn grid(grid: usize, rng: &mut Rng) -> Self {
        let junctions = grid * grid;
        let mut distances = vec![f64::INFINITY; junctions * junctions];
        for junction in 0..junctions {
            distances[junction * junctions + junction] = 0.0;
            let (row, column) = (junction / grid, junction % grid);
            let mut link = |other: usize, rng: &mut Rng| {
                let length = rng.between(1.5, 4.0);
                distances[junction * junctions + other] = length;
                distances[other * junctions + junction] = length;
            };
            if column + 1 < grid {
                link(junction + 1, rng);
            }
            if row + 1 < grid {
                link(junction + grid, rng);
            }
        }
        for via in 0..junctions {
            for from in 0..junctions {
                for to in 0..junctions {
                    let through =
                        distances[from * junctions + via] + distances[via * junctions + to];
                    if through < distances[from * junctions + to] {
                        distances[from * junctions + to] = through;
                    }
                }
            }
        }
        Self {
            junctions,
            distances,
        }
    }

    fn distance(&self, from: usize, to: usize) -> f64 {
        self.distances
            .get(from * self.junctions + to)
            .copied()
            .unwrap_or(f64::INFINITY)
    }
}

/// How much traffic slows a trip starting at simulated second `clock`: two rush hours.
fn traffic(clock: f64) -> f64 {
    let hour = (clock / 3600.0) % 24.0;
    let rush = |peak: f64, height: f64| height * (-(hour - peak).powi(2) / 2.0).exp();
    1.0 + rush(8.0, 0.8) + rush(17.5, 0.6)
}

#[derive(Debug, Clone)]
struct Order {
    view: OrderView,
    assigned: f64,
    picked: f64,
    km: f64,
}

#[derive(Debug, Clone)]
enum Task {
    Idle,
    /// Driving to the depot (and loading there) until `arrive`.
    Fetch {
        order: Order,
        arrive: f64,
    },
    /// Driving to the customer until `arrive`.
    Deliver {
        order: Order,
        arrive: f64,
    },
}

#[derive(Debug, Clone)]
struct Vehicle {
    id: String,
    at: usize,
    task: Task,
    /// Stopped by a breakdown until this simulated second.
    stalled_until: f64,
    breakdown_label: Option<usize>,
    engine_temp: f64,
    rng: Rng,
}

/// A finished delivery's figures.
#[derive(Debug, Clone, Copy)]
struct Delivery {
    transport_minutes: f64,
    cost: f64,
    lateness_minutes: f64,
}

/// The simulated fleet.
pub struct Fleet {
    settings: FleetSettings,
    policy: Box<dyn DispatchPolicy>,
    roads: Roads,
    depots: Vec<usize>,
    vehicles: Vec<Vehicle>,
    waiting: Vec<OrderView>,
    next_order: u64,
    next_arrival: f64,
    orders_rng: Rng,
    clock: f64,
    labels: Vec<FaultLabel>,
}

impl std::fmt::Debug for Fleet {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Fleet")
            .field("policy", &self.policy.name())
            .field("clock", &self.clock)
            .field("vehicles", &self.vehicles.len())
            .field("waiting", &self.waiting.len())
            .finish_non_exhaustive()
    }
}

impl Fleet {
    /// A fleet (`v01`, `v02`, …) parked at its depots under `policy`, fixed by `seed`.
    #[must_use]
    pub fn new(settings: FleetSettings, policy: Box<dyn DispatchPolicy>, seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let roads = Roads::grid(settings.grid.max(2), &mut rng);
        let mut depots: Vec<usize> = Vec::new();
        while depots.len() < settings.depots.clamp(1, roads.junctions) {
            let junction = rng.below(roads.junctions);
            if !depots.contains(&junction) {
                depots.push(junction);
            }
        }
        let vehicles = (0..settings.vehicles)
            .map(|index| Vehicle {
                id: format!("v{:02}", index + 1),
                at: depots[index % depots.len()],
                task: Task::Idle,
                stalled_until: 0.0,
                breakdown_label: None,
                engine_temp: 30.0,
                rng: rng.fork(index as u64),
            })
            .collect();
        let mut orders_rng = rng.fork(u64::MAX);
        let next_arrival = orders_rng.exponential(3600.0 / settings.orders_per_hour.max(1e-9));
        Self {
            settings,
            policy,
            roads,
            depots,
            vehicles,
            waiting: Vec::new(),
            next_order: 1,
            next_arrival,
            orders_rng,
            clock: 0.0,
            labels: Vec::new(),
        }
    }

    /// Places the orders that arrive before `until`.
    fn take_orders(&mut self, until: f64) {
        let mean_gap = 3600.0 / self.settings.orders_per_hour.max(1e-9);
        while self.next_arrival < until {
            let rng = &mut self.orders_rng;
            let depot = self.depots[rng.below(self.depots.len())];
            let mut customer = rng.below(self.roads.junctions);
            if customer == depot {
                customer = (customer + 1) % self.roads.junctions;
            }
            let (shortest, longest) = self.settings.window_minutes;
            let window = rng.between(shortest, longest) * 60.0;
            self.waiting.push(OrderView {
                id: self.next_order,
                depot,
                customer,
                placed: self.next_arrival,
                due: self.next_arrival + window,
            });
            self.next_order += 1;
            self.next_arrival += rng.exponential(mean_gap);
        }
    }

    /// Seconds to drive `km` leaving at `clock`, with traffic and the trip's own luck.
    fn drive_seconds(&self, km: f64, clock: f64, rng: &mut Rng) -> f64 {
        let luck = (0.1 * rng.normal()).exp();
        km / self.settings.speed_kmh * 3600.0 * traffic(clock) * luck
    }

    /// Runs the vehicle's legs that end before `until`; returns a delivery if one ended.
    fn drive(&mut self, index: usize, until: f64) -> Option<Delivery> {
        let mut rng = self.vehicles[index].rng.clone();
        let mut delivered = None;
        loop {
            let vehicle = &self.vehicles[index];
            match vehicle.task.clone() {
                Task::Fetch { mut order, arrive } if arrive <= until => {
                    order.picked = arrive;
                    let km = self.roads.distance(order.view.depot, order.view.customer);
                    order.km += km;
                    let arrive = arrive + self.drive_seconds(km, arrive, &mut rng);
                    let vehicle = &mut self.vehicles[index];
                    vehicle.at = order.view.depot;
                    vehicle.task = Task::Deliver { order, arrive };
                }
                Task::Deliver { order, arrive } if arrive <= until => {
                    let hours = (arrive - order.assigned) / 3600.0;
                    delivered = Some(Delivery {
                        transport_minutes: (arrive - order.picked) / 60.0,
                        cost: order.km * self.settings.cost_per_km
                            + hours * self.settings.cost_per_hour,
                        lateness_minutes: ((arrive - order.view.due) / 60.0).max(0.0),
                    });
                    let vehicle = &mut self.vehicles[index];
                    vehicle.at = order.view.customer;
                    vehicle.task = Task::Idle;
                }
                _ => break,
            }
        }
        self.vehicles[index].rng = rng;
        delivered
    }

    /// Ends breakdowns that are over and starts random ones on vehicles on the road.
    fn update_breakdowns(&mut self, index: usize) {
        let clock = self.clock;
        let chance = self.settings.breakdowns_per_hour * self.settings.step_seconds / 3600.0;
        let vehicle = &mut self.vehicles[index];
        if let Some(label) = vehicle.breakdown_label
            && clock >= vehicle.stalled_until
        {
            self.labels[label].end = Some(clock);
            vehicle.breakdown_label = None;
        }
        let driving = !matches!(vehicle.task, Task::Idle);
        if driving && vehicle.breakdown_label.is_none() && vehicle.rng.chance(chance) {
            let seconds = vehicle.rng.between(30.0, 90.0) * 60.0;
            self.break_down(index, seconds);
        }
    }

    fn break_down(&mut self, index: usize, seconds: f64) {
        let clock = self.clock;
        let Some(vehicle) = self.vehicles.get_mut(index) else {
            return;
        };
        if let Some(previous) = vehicle.breakdown_label.take() {
            self.labels[previous].end = Some(clock);
        }
        let stalled_from = vehicle.stalled_until.max(clock);
        vehicle.stalled_until = clock + seconds;
        // The trip in progress ends later by however much longer the vehicle now stands.
        let delay = (vehicle.stalled_until - stalled_from).max(0.0);
        if let Task::Fetch { arrive, .. } | Task::Deliver { arrive, .. } = &mut vehicle.task {
            *arrive += delay;
        }
        vehicle.breakdown_label = Some(self.labels.len());
        self.labels.push(FaultLabel {
            kind: FaultKind::Breakdown,
            source: vehicle.id.clone(),
            metric: FaultKind::Breakdown.metric(),
            start: clock,
            end: None,
        });
    }

    /// Asks the policy for assignments and starts the valid ones.
    fn dispatch(&mut self) {
        let views: Vec<VehicleView> = self
            .vehicles
            .iter()
            .enumerate()
            .map(|(index, vehicle)| VehicleView {
                index,
                at: vehicle.at,
                available: matches!(vehicle.task, Task::Idle)
                    && vehicle.stalled_until <= self.clock,
            })
            .collect();
        let board = Board {
            clock: self.clock,
            orders: &self.waiting,
            vehicles: &views,
            roads: &self.roads,
        };
        let assignments = self.policy.assign(&board);

        for assignment in assignments {
            let Some(position) = self
                .waiting
                .iter()
                .position(|order| order.id == assignment.order)
            else {
                continue;
            };
            let Some(view) = views.get(assignment.vehicle).filter(|view| view.available) else {
                continue;
            };
            if !matches!(self.vehicles[view.index].task, Task::Idle) {
                continue;
            }
            let order = self.waiting.remove(position);
            let km = self.roads.distance(view.at, order.depot);
            let mut rng = self.vehicles[view.index].rng.clone();
            let arrive = self.clock
                + self.drive_seconds(km, self.clock, &mut rng)
                + self.settings.loading_minutes * 60.0;
            let vehicle = &mut self.vehicles[view.index];
            vehicle.rng = rng;
            vehicle.task = Task::Fetch {
                order: Order {
                    view: order,
                    assigned: self.clock,
                    picked: 0.0,
                    km,
                },
                arrive,
            };
        }
    }

    /// One vehicle's readings for the step ending at `until`.
    fn report(&mut self, index: usize, delivery: Option<Delivery>, samples: &mut Vec<Sample>) {
        let until = self.clock + self.settings.step_seconds;
        let vehicle = &mut self.vehicles[index];
        let stalled = vehicle.stalled_until > self.clock;
        let loaded = matches!(vehicle.task, Task::Deliver { .. });
        let moving = !matches!(vehicle.task, Task::Idle) && !stalled;
        let speed = if moving {
            (self.settings.speed_kmh / traffic(until) * (1.0 + 0.08 * vehicle.rng.normal()))
                .max(0.0)
        } else {
            0.0
        };
        let target = if stalled && vehicle.breakdown_label.is_some() {
            112.0
        } else if moving {
            88.0
        } else {
            45.0
        };
        vehicle.engine_temp += 0.3 * (target - vehicle.engine_temp) + 0.5 * vehicle.rng.normal();

        let id = vehicle.id.clone();
        let fault = if vehicle.breakdown_label.is_some() {
            FaultKind::Breakdown.code()
        } else {
            0.0
        };
        for (metric, value) in [
            (metric::SPEED, speed),
            (metric::ENGINE_TEMP, vehicle.engine_temp),
            (metric::LOAD, if loaded { 1.0 } else { 0.0 }),
            (
                metric::RUN_SECONDS,
                if moving {
                    self.settings.step_seconds
                } else {
                    0.0
                },
            ),
            (metric::FAULT, fault),
        ] {
            sample(samples, &id, metric, value);
        }
        if let Some(delivery) = delivery {
            let on_time = if delivery.lateness_minutes > 0.0 {
                0.0
            } else {
                1.0
            };
            for (metric, value) in [
                (metric::TRANSPORT_MINUTES, delivery.transport_minutes),
                (metric::DELIVERY_COST, delivery.cost),
                (metric::LATENESS_MINUTES, delivery.lateness_minutes),
                (metric::ON_TIME, on_time),
            ] {
                sample(samples, &id, metric, value);
            }
        }
    }
}

impl Site for Fleet {
    fn step(&mut self) -> Step {
        let until = self.clock + self.settings.step_seconds;
        let mut samples = Vec::with_capacity(self.vehicles.len() * 6 + 2);
        self.take_orders(until);
        let mut deliveries = Vec::with_capacity(self.vehicles.len());
        for index in 0..self.vehicles.len() {
            self.update_breakdowns(index);
            deliveries.push(self.drive(index, until));
        }
        for (index, delivery) in deliveries.into_iter().enumerate() {
            self.report(index, delivery, &mut samples);
        }
        self.clock = until;
        self.dispatch();

        #[expect(clippy::cast_precision_loss, reason = "a queue far below 2^52 orders")]
        let pending = self.waiting.len() as f64;
        sample(&mut samples, "dispatch", metric::PENDING_ORDERS, pending);
        sample(&mut samples, "network", metric::TRAFFIC, traffic(until));
        Step {
            clock: until,
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
        if fault.kind == FaultKind::Breakdown {
            self.break_down(fault.target, fault.seconds);
        }
    }

    fn labels(&self) -> &[FaultLabel] {
        &self.labels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fleet(seed: u64) -> Fleet {
        Fleet::new(FleetSettings::default(), Box::new(NearestIdle), seed)
    }

    fn values(steps: &[Step], wanted: &str) -> Vec<f64> {
        steps.iter().flat_map(|step| step.values(wanted)).collect()
    }

    #[test]
    fn a_seed_replays_the_same_fleet() {
        let run = |seed| {
            let mut fleet = fleet(seed);
            (0..600).map(|_| fleet.step()).collect::<Vec<_>>()
        };
        assert_eq!(run(9), run(9));
        assert_ne!(run(9), run(10));
    }

    #[test]
    fn a_week_of_deliveries_is_plausible() {
        let mut fleet = fleet(2);
        let steps: Vec<Step> = (0..7 * 24 * 60).map(|_| fleet.step()).collect();
        let transport = values(&steps, metric::TRANSPORT_MINUTES);
        let on_time = values(&steps, metric::ON_TIME);

        // About 13 orders an hour for a week, nearly all delivered.
        assert!(
            (1_900..2_500).contains(&transport.len()),
            "{}",
            transport.len()
        );
        let mean = transport.iter().sum::<f64>() / transport.len() as f64;
        assert!((5.0..40.0).contains(&mean), "mean transport {mean} min");
        let rate = on_time.iter().sum::<f64>() / on_time.len() as f64;
        assert!((0.6..1.0).contains(&rate), "on-time rate {rate}");
        assert!(
            values(&steps, metric::DELIVERY_COST)
                .iter()
                .all(|cost| *cost > 0.0)
        );
        assert_eq!(
            values(&steps, metric::LATENESS_MINUTES).len(),
            transport.len()
        );
    }

    #[test]
    fn an_injected_breakdown_stops_the_vehicle_and_is_labelled() {
        let settings = FleetSettings {
            breakdowns_per_hour: 0.0,
            ..FleetSettings::default()
        };
        let mut fleet = Fleet::new(settings, Box::new(NearestIdle), 4);
        for _ in 0..30 {
            fleet.step();
        }
        fleet.inject(Fault {
            kind: FaultKind::Breakdown,
            target: 0,
            seconds: 1_800.0,
        });
        let during: Vec<Step> = (0..20).map(|_| fleet.step()).collect();
        let reading = |step: &Step, wanted: &str| step.reading("v01", wanted).unwrap();
        assert!(
            during
                .iter()
                .all(|step| reading(step, metric::SPEED) == 0.0)
        );
        assert!(reading(&during[19], metric::ENGINE_TEMP) > 100.0);
        assert_eq!(
            reading(&during[5], metric::FAULT),
            FaultKind::Breakdown.code()
        );
        let [label] = fleet.labels() else {
            panic!("one label: {:?}", fleet.labels());
        };
        assert_eq!(label.source, "v01");
        assert!(label.covers(1_800.0 + 600.0));
    }

    #[test]
    fn nearest_idle_serves_the_oldest_order_with_the_closest_vehicle() {
        let mut rng = Rng::new(1);
        let roads = Roads::grid(3, &mut rng);
        let orders = [
            OrderView {
                id: 1,
                depot: 0,
                customer: 8,
                placed: 0.0,
                due: 3_600.0,
            },
            OrderView {
                id: 2,
                depot: 8,
                customer: 0,
                placed: 10.0,
                due: 3_600.0,
            },
        ];
        let vehicles = [
            VehicleView {
                index: 0,
                at: 8,
                available: true,
            },
            VehicleView {
                index: 1,
                at: 1,
                available: true,
            },
            VehicleView {
                index: 2,
                at: 0,
                available: false,
            },
        ];
        let board = Board {
            clock: 0.0,
            orders: &orders,
            vehicles: &vehicles,
            roads: &roads,
        };
        let assignments = NearestIdle.assign(&board);
        assert_eq!(
            assignments,
            vec![
                Assignment {
                    order: 1,
                    vehicle: 1
                },
                Assignment {
                    order: 2,
                    vehicle: 0
                },
            ]
        );
    }
}
