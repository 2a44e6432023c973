//! The built-in city simulator: a connector like any real feed.
//!
//! [`SimCity`] is a pure generator: given the city, a seed and a start time, `advance_to(t)`
//! returns every record that happened up to `t`, in time order. Each stream (complaints,
//! incidents, air, traffic, weather and water, trends) has its own random generator and its own next-event time, so
//! the same seed gives the same city whatever the tick size or speed. [`SimulatorConnector`] only
//! adds a clock (real time × `speed`).

use super::record::{
    AirReading, Citizen, Complaint, Form, Incident, Status, TrafficReading, Trend, WaterReading, WeatherReading,
};
use super::sim_text::{air_region, COMPLAINTS, FAMILY_NAMES, GIVEN_NAMES, INCIDENTS, ROADS, SUGGESTIONS, TRENDS};
use super::{send, BoxFuture, Connector, Health, Record, Sink};
use crate::city::geo::LonLat;
use crate::city::{City, FacilityKind};
use crate::config::SimulatorConfig;
use chrono::{DateTime, Duration, Timelike, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use tokio::sync::watch;

const AIR_EVERY: i64 = 5 * 60;
const TRAFFIC_EVERY: i64 = 5 * 60;
const TREND_EVERY: i64 = 15 * 60;
const WEATHER_EVERY: i64 = 10 * 60;

struct Place {
    district: String,
    name: String,
    /// The name in Latin letters, for the English texts.
    name_en: String,
    position: LonLat,
}

struct DistrictSim {
    code: String,
    name_ko: String,
    fire: String,
    police: String,
    pm10: f64,
    pm25: f64,
    speed: f64,
    temperature: f64,
    turbidity: f64,
    chlorine: f64,
}

pub struct SimCity {
    run: String,
    places: Vec<Place>,
    districts: Vec<DistrictSim>,
    complaint_rate: f64,
    incident_rate: f64,
    rng_complaint: ChaCha8Rng,
    rng_incident: ChaCha8Rng,
    rng_air: ChaCha8Rng,
    rng_trend: ChaCha8Rng,
    rng_weather: ChaCha8Rng,
    next_complaint: DateTime<Utc>,
    next_incident: DateTime<Utc>,
    next_air: DateTime<Utc>,
    next_traffic: DateTime<Utc>,
    next_trend: DateTime<Utc>,
    next_weather: DateTime<Utc>,
    /// Later versions of records already sent (dispatch, arrival, answers), by (time, seq).
    pending: BTreeMap<(DateTime<Utc>, u64), Record>,
    seq: u64,
}

fn exp_secs(rng: &mut ChaCha8Rng, per_hour: f64) -> Duration {
    let u: f64 = rng.random_range(f64::EPSILON..1.0);
    Duration::milliseconds((-u.ln() / (per_hour / 3600.0) * 1000.0) as i64)
}

fn floor_to(t: DateTime<Utc>, step: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp() - t.timestamp().rem_euclid(step), 0).unwrap_or(t)
}

impl SimCity {
    pub fn new(city: &City, cfg: &SimulatorConfig, start: DateTime<Utc>) -> SimCity {
        let stream = |n: u64| ChaCha8Rng::seed_from_u64(cfg.seed.wrapping_mul(31).wrapping_add(n));
        let facility = |kind, code: &str| {
            city.facilities
                .iter()
                .find(|f| f.kind == kind && f.district == code)
                .map(|f| f.id.clone())
                .unwrap_or_default()
        };
        let mut rng_air = stream(3);
        let mut rng_weather = stream(5);
        let districts = city
            .districts
            .iter()
            .map(|d| DistrictSim {
                code: d.code.clone(),
                name_ko: d.name_ko.clone(),
                fire: facility(FacilityKind::FireStation, &d.code),
                police: facility(FacilityKind::PoliceStation, &d.code),
                pm10: rng_air.random_range(20.0..60.0),
                pm25: rng_air.random_range(8.0..30.0),
                speed: rng_air.random_range(18.0..35.0),
                temperature: rng_weather.random_range(2.0..8.0),
                turbidity: rng_weather.random_range(0.04..0.12),
                chlorine: rng_weather.random_range(0.3..0.6),
            })
            .collect();
        let places = city
            .neighbourhoods
            .iter()
            .map(|n| Place {
                district: n.district.clone(),
                name: n.name_ko.clone(),
                name_en: if n.name_en.is_empty() { crate::text::roman::place(&n.name_ko) } else { n.name_en.clone() },
                position: n.centroid,
            })
            .collect();
        let mut rng_complaint = stream(1);
        let mut rng_incident = stream(2);
        SimCity {
            run: format!("{:x}", start.timestamp()),
            places,
            districts,
            complaint_rate: cfg.complaints_per_hour.max(0.001),
            incident_rate: cfg.incidents_per_hour.max(0.001),
            next_complaint: start + exp_secs(&mut rng_complaint, cfg.complaints_per_hour.max(0.001)),
            next_incident: start + exp_secs(&mut rng_incident, cfg.incidents_per_hour.max(0.001)),
            rng_complaint,
            rng_incident,
            rng_air,
            rng_trend: stream(4),
            rng_weather,
            next_weather: floor_to(start, WEATHER_EVERY),
            next_air: floor_to(start, AIR_EVERY),
            next_traffic: floor_to(start, TRAFFIC_EVERY),
            next_trend: floor_to(start, TREND_EVERY),
            pending: BTreeMap::new(),
            seq: 0,
        }
    }

    fn later(&mut self, at: DateTime<Utc>, record: Record) {
        self.seq += 1;
        self.pending.insert((at, self.seq), record);
    }

    /// Every record that happened up to `t`, in time order.
    pub fn advance_to(&mut self, t: DateTime<Utc>) -> Vec<Record> {
        let mut out = Vec::new();
        loop {
            let pending = self.pending.keys().next().map(|k| k.0);
            let candidates = [
                Some(self.next_complaint),
                Some(self.next_incident),
                Some(self.next_air),
                Some(self.next_traffic),
                Some(self.next_trend),
                Some(self.next_weather),
                pending,
            ];
            let Some(next) = candidates.into_iter().flatten().min() else { break };
            if next > t {
                break;
            }
            if pending == Some(next) {
                if let Some((_, record)) = self.pending.pop_first() {
                    out.push(record);
                }
            } else if next == self.next_air {
                out.extend(self.air(next).into_iter().map(Record::Air));
                self.next_air = next + Duration::seconds(AIR_EVERY);
            } else if next == self.next_traffic {
                out.extend(self.traffic(next).into_iter().map(Record::Traffic));
                self.next_traffic = next + Duration::seconds(TRAFFIC_EVERY);
            } else if next == self.next_trend {
                out.extend(self.trends(next).into_iter().map(Record::Trend));
                self.next_trend = next + Duration::seconds(TREND_EVERY);
            } else if next == self.next_weather {
                let (weather, water) = self.weather_and_water(next);
                out.extend(weather.into_iter().map(Record::Weather));
                out.extend(water.into_iter().map(Record::Water));
                self.next_weather = next + Duration::seconds(WEATHER_EVERY);
            } else if next == self.next_incident {
                let incident = self.incident(next);
                out.push(Record::Incident(incident));
                self.next_incident = next + exp_secs(&mut self.rng_incident, self.incident_rate);
            } else {
                let complaint = self.complaint(next);
                out.push(Record::Complaint(complaint));
                self.next_complaint = next + exp_secs(&mut self.rng_complaint, self.complaint_rate);
            }
        }
        out
    }

    /// A new complaint or suggestion received at `at`; its assignment and answer are scheduled.
    pub fn complaint(&mut self, at: DateTime<Utc>) -> Complaint {
        let complaint = self.draft_complaint(at);
        let rng = &mut self.rng_complaint;
        let assigned = at + Duration::minutes(rng.random_range(5..40));
        let answered = assigned + Duration::minutes(rng.random_range(30..360));
        for (when, status) in [(assigned, Status::Assigned), (answered, Status::Answered)] {
            let update = Complaint { status, updated_at: when, ..complaint.clone() };
            self.later(when, Record::Complaint(update));
        }
        complaint
    }

    /// A new complaint with nothing scheduled after it (for bulk corpora).
    pub fn draft_complaint(&mut self, at: DateTime<Utc>) -> Complaint {
        let rng = &mut self.rng_complaint;
        let suggestion = rng.random_bool(0.25);
        let (category, ko, en) = if suggestion {
            SUGGESTIONS[rng.random_range(0..SUGGESTIONS.len())]
        } else {
            COMPLAINTS[rng.random_range(0..COMPLAINTS.len())]
        };
        let place = &self.places[rng.random_range(0..self.places.len())];
        self.seq += 1;
        let name = format!(
            "{}{}",
            FAMILY_NAMES[rng.random_range(0..FAMILY_NAMES.len())],
            GIVEN_NAMES[rng.random_range(0..GIVEN_NAMES.len())]
        );
        let phone = format!("010-{:04}-{:04}", rng.random_range(0..10_000), rng.random_range(0..10_000));
        Complaint {
            id: format!("sim-{}-c{}", self.run, self.seq),
            form: if suggestion { Form::Suggestion } else { Form::Complaint },
            category: category.to_string(),
            district: place.district.clone(),
            text_ko: ko.replace("{place}", &place.name),
            text_en: en.replace("{place}", &place.name_en),
            status: Status::Received,
            received_at: at,
            updated_at: at,
            citizen: Some(Citizen { name, phone }),
        }
    }

    fn incident(&mut self, at: DateTime<Utc>) -> Incident {
        let rng = &mut self.rng_incident;
        let (line, category, ko, en) = INCIDENTS[rng.random_range(0..INCIDENTS.len())];
        let place = &self.places[rng.random_range(0..self.places.len())];
        let jitter = [rng.random_range(-0.002..0.002), rng.random_range(-0.002..0.002)];
        let dispatched = at + Duration::seconds(rng.random_range(20..150));
        let arrived = dispatched + Duration::seconds(rng.random_range(150..600));
        let closed = arrived + Duration::minutes(rng.random_range(15..90));
        let district = self.districts.iter().find(|d| d.code == place.district);
        let unit = district.map(|d| if line == "119" { d.fire.clone() } else { d.police.clone() }).unwrap_or_default();
        self.seq += 1;
        let incident = Incident {
            id: format!("sim-{}-i{}", self.run, self.seq),
            line: line.to_string(),
            category: category.to_string(),
            district: place.district.clone(),
            position: [
                ((place.position[0] + jitter[0]) * 1e5).round() / 1e5,
                ((place.position[1] + jitter[1]) * 1e5).round() / 1e5,
            ],
            place: place.name.clone(),
            summary_ko: ko.replace("{place}", &place.name),
            summary_en: en.replace("{place}", &place.name_en),
            received_at: at,
            dispatched_at: None,
            arrived_at: None,
            closed_at: None,
            unit,
        };
        let d = Incident { dispatched_at: Some(dispatched), ..incident.clone() };
        let a = Incident { arrived_at: Some(arrived), ..d.clone() };
        let c = Incident { closed_at: Some(closed), ..a.clone() };
        self.later(dispatched, Record::Incident(d));
        self.later(arrived, Record::Incident(a));
        self.later(closed, Record::Incident(c));
        incident
    }

    fn air(&mut self, at: DateTime<Utc>) -> Vec<AirReading> {
        let hour_kst = (at.hour() + 9) % 24;
        // Rush hours are dirtier; the walk keeps neighbouring readings related.
        let rush = if (7..10).contains(&hour_kst) || (17..20).contains(&hour_kst) { 1.15 } else { 1.0 };
        let rng = &mut self.rng_air;
        self.districts
            .iter_mut()
            .map(|d| {
                d.pm10 = (d.pm10 + rng.random_range(-4.0..4.0)).clamp(5.0, 180.0);
                d.pm25 = (d.pm25 + rng.random_range(-2.5..2.5)).clamp(2.0, 110.0);
                let pm25 = (d.pm25 * rush).round();
                let pm10 = (d.pm10 * rush).round();
                let (grade, main) = match pm25 {
                    v if v <= 15.0 => ("좋음", "PM25"),
                    v if v <= 35.0 => ("보통", "PM25"),
                    v if v <= 75.0 => ("나쁨", "PM25"),
                    _ => ("매우나쁨", "PM25"),
                };
                AirReading {
                    measured_at: super::record::format_msrdt(at),
                    region: air_region(&d.code).to_string(),
                    station: d.name_ko.clone(),
                    pm10: Some(pm10),
                    pm25: Some(pm25),
                    o3: Some((rng.random_range(0.005..0.06f64) * 1000.0).round() / 1000.0),
                    no2: Some((rng.random_range(0.008..0.05f64) * 1000.0).round() / 1000.0),
                    co: Some((rng.random_range(0.2..0.8f64) * 10.0).round() / 10.0),
                    so2: Some((rng.random_range(0.002..0.005f64) * 1000.0).round() / 1000.0),
                    index_grade: grade.to_string(),
                    index_value: Some((pm25 * 1.8).round().min(500.0)),
                    main_pollutant: main.to_string(),
                    district: d.code.clone(),
                }
            })
            .collect()
    }

    fn traffic(&mut self, at: DateTime<Utc>) -> Vec<TrafficReading> {
        let hour_kst = (at.hour() + 9) % 24;
        let rush = if (7..10).contains(&hour_kst) || (17..20).contains(&hour_kst) { 0.7 } else { 1.0 };
        let rng = &mut self.rng_air;
        self.districts
            .iter_mut()
            .enumerate()
            .map(|(i, d)| {
                d.speed = (d.speed + rng.random_range(-2.0..2.0)).clamp(8.0, 60.0);
                TrafficReading {
                    district: d.code.clone(),
                    road: ROADS[i % ROADS.len()].to_string(),
                    speed_kmh: (d.speed * rush * 10.0).round() / 10.0,
                    at,
                }
            })
            .collect()
    }

    fn weather_and_water(&mut self, at: DateTime<Utc>) -> (Vec<WeatherReading>, Vec<WaterReading>) {
        let hour_kst = f64::from((at.hour() + 9) % 24);
        // Warmest mid-afternoon; a shared rain front so that neighbouring districts agree.
        let daily = ((hour_kst - 9.0) / 24.0 * std::f64::consts::TAU).sin() * 4.0;
        let rng = &mut self.rng_weather;
        let raining = rng.random_bool(0.15);
        let mut weather = Vec::new();
        let mut water = Vec::new();
        for d in &mut self.districts {
            d.temperature = (d.temperature + rng.random_range(-0.3..0.3)).clamp(-5.0, 12.0);
            d.turbidity = (d.turbidity + rng.random_range(-0.01..0.01)).clamp(0.02, 0.3);
            d.chlorine = (d.chlorine + rng.random_range(-0.03..0.03)).clamp(0.15, 0.9);
            weather.push(WeatherReading {
                district: d.code.clone(),
                temperature_c: ((d.temperature + daily) * 10.0).round() / 10.0,
                humidity_pct: rng.random_range(35.0..if raining { 95.0 } else { 70.0f64 }).round(),
                precipitation_mm: if raining { (rng.random_range(0.0..4.0f64) * 10.0).round() / 10.0 } else { 0.0 },
                wind_ms: (rng.random_range(0.5..6.0f64) * 10.0).round() / 10.0,
                at,
            });
            water.push(WaterReading {
                district: d.code.clone(),
                station: format!("{} 수질측정소", d.name_ko),
                turbidity_ntu: (d.turbidity * 100.0).round() / 100.0,
                chlorine_mg_l: (d.chlorine * 100.0).round() / 100.0,
                ph: (rng.random_range(6.8..7.6f64) * 10.0).round() / 10.0,
                at,
            });
        }
        (weather, water)
    }

    fn trends(&mut self, at: DateTime<Utc>) -> Vec<Trend> {
        let rng = &mut self.rng_trend;
        (0..3)
            .map(|_| {
                let (ko, en) = TRENDS[rng.random_range(0..TRENDS.len())];
                Trend {
                    topic_ko: ko.into(),
                    topic_en: en.into(),
                    mentions: rng.random_range(50..5000),
                    at,
                    district: String::new(),
                }
            })
            .collect()
    }
}

/// The simulator as a connector: a [`SimCity`] driven by the wall clock × `speed`. It starts in
/// the past when the store has no recent city (`simulator.backfill_hours`): its first tick
/// makes the hours up to now at once.
pub struct SimulatorConnector {
    sim: SimCity,
    speed: f64,
    /// The wall clock's time when the connector was made: sim time = this + elapsed × speed.
    start: DateTime<Utc>,
}

impl SimulatorConnector {
    /// `resume`: the time of the newest simulated record already stored, if any — the city is
    /// made from there (or from `backfill_hours` ago, whichever is later), never twice.
    pub fn new(city: &City, cfg: &SimulatorConfig, resume: Option<DateTime<Utc>>) -> Self {
        let start = Utc::now();
        let earliest = start - Duration::hours(i64::from(cfg.backfill_hours));
        let from = resume.map_or(earliest, |r| (r + Duration::seconds(1)).clamp(earliest, start));
        SimulatorConnector { sim: SimCity::new(city, cfg, from), speed: cfg.speed, start }
    }
}

impl Connector for SimulatorConnector {
    fn name(&self) -> &str {
        "simulator"
    }

    fn run(mut self: Box<Self>, sink: Sink, health: Health, mut shutdown: watch::Receiver<bool>) -> BoxFuture {
        Box::pin(async move {
            let name = self.name().to_string();
            health.state(&name, "running");
            let wall = tokio::time::Instant::now();
            let mut tick = tokio::time::interval(std::time::Duration::from_millis(100));
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = shutdown.changed() => break,
                }
                if *shutdown.borrow() {
                    break;
                }
                let elapsed_ms = (wall.elapsed().as_secs_f64() * self.speed * 1000.0) as i64;
                let records = self.sim.advance_to(self.start + Duration::milliseconds(elapsed_ms));
                let n = records.len() as u64;
                for record in records {
                    send(&sink, &name, record).await?;
                }
                if n > 0 {
                    health.ok(&name, n);
                }
            }
            health.state(&name, "stopped");
            Ok(())
        })
    }
}
