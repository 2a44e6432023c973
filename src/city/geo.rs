//! Plain geometry on WGS84 longitude/latitude: WKB decoding, simplification, centroids and
//! point-in-polygon. The areas involved (a city) are small enough to treat degrees as planar.

use serde::{Deserialize, Serialize};

/// `[longitude, latitude]`, the GeoJSON order.
pub type LonLat = [f64; 2];
/// A closed ring; the first polygon ring is the outer boundary, the rest are holes.
pub type Ring = Vec<LonLat>;
pub type Polygon = Vec<Ring>;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[schema(value_type = Vec<Vec<Vec<Vec<f64>>>>)]
pub struct MultiPolygon(pub Vec<Polygon>);

#[derive(Debug, thiserror::Error)]
pub enum WkbError {
    #[error("wkb ends early at byte {0}")]
    Truncated(usize),
    #[error("wkb geometry type {0} is not a polygon or multipolygon")]
    UnsupportedType(u32),
    #[error("wkb byte order marker {0} is neither 0 nor 1")]
    ByteOrder(u8),
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    little: bool,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], WkbError> {
        let slice = self.bytes.get(self.pos..self.pos + N).ok_or(WkbError::Truncated(self.pos))?;
        self.pos += N;
        let mut out = [0u8; N];
        out.copy_from_slice(slice);
        Ok(out)
    }
    fn byte_order(&mut self) -> Result<(), WkbError> {
        let [b] = self.take::<1>()?;
        self.little = match b {
            0 => false,
            1 => true,
            other => return Err(WkbError::ByteOrder(other)),
        };
        Ok(())
    }
    fn u32(&mut self) -> Result<u32, WkbError> {
        let b = self.take::<4>()?;
        Ok(if self.little { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) })
    }
    fn f64(&mut self) -> Result<f64, WkbError> {
        let b = self.take::<8>()?;
        Ok(if self.little { f64::from_le_bytes(b) } else { f64::from_be_bytes(b) })
    }
    fn count(&mut self) -> Result<usize, WkbError> {
        let n = self.u32()? as usize;
        // A count cannot exceed the bytes left; refusing early keeps garbage from allocating.
        if n > self.bytes.len().saturating_sub(self.pos) {
            return Err(WkbError::Truncated(self.pos));
        }
        Ok(n)
    }
    fn polygon(&mut self) -> Result<Polygon, WkbError> {
        let rings = self.count()?;
        (0..rings)
            .map(|_| {
                let points = self.count()?;
                (0..points).map(|_| Ok([self.f64()?, self.f64()?])).collect()
            })
            .collect()
    }
}

/// Decodes a 2-D WKB Polygon or MultiPolygon.
pub fn parse_wkb(bytes: &[u8]) -> Result<MultiPolygon, WkbError> {
    let mut r = Reader { bytes, pos: 0, little: true };
    r.byte_order()?;
    match r.u32()? {
        3 => Ok(MultiPolygon(vec![r.polygon()?])),
        6 => {
            let n = r.count()?;
            let mut polys = Vec::with_capacity(n);
            for _ in 0..n {
                r.byte_order()?;
                match r.u32()? {
                    3 => polys.push(r.polygon()?),
                    other => return Err(WkbError::UnsupportedType(other)),
                }
            }
            Ok(MultiPolygon(polys))
        }
        other => Err(WkbError::UnsupportedType(other)),
    }
}

/// Douglas–Peucker on one ring, keeping at least four points so the ring stays a ring.
pub fn simplify_ring(ring: &[LonLat], tolerance: f64) -> Ring {
    if ring.len() <= 4 {
        return ring.to_vec();
    }
    let mut keep = vec![false; ring.len()];
    keep[0] = true;
    keep[ring.len() - 1] = true;
    let mut stack = vec![(0, ring.len() - 1)];
    while let Some((a, b)) = stack.pop() {
        let (mut best, mut best_d) = (0, 0.0);
        for i in a + 1..b {
            let d = segment_distance(ring[i], ring[a], ring[b]);
            if d > best_d {
                best = i;
                best_d = d;
            }
        }
        if best_d > tolerance {
            keep[best] = true;
            stack.push((a, best));
            stack.push((best, b));
        }
    }
    let out: Ring = ring.iter().zip(&keep).filter(|(_, k)| **k).map(|(p, _)| round(*p)).collect();
    if out.len() < 4 {
        ring.iter().step_by((ring.len() / 4).max(1)).map(|p| round(*p)).chain([round(ring[0])]).collect()
    } else {
        out
    }
}

fn round(p: LonLat) -> LonLat {
    [(p[0] * 1e5).round() / 1e5, (p[1] * 1e5).round() / 1e5]
}

fn segment_distance(p: LonLat, a: LonLat, b: LonLat) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 { 0.0 } else { (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0) };
    let (cx, cy) = (a[0] + t * dx, a[1] + t * dy);
    ((p[0] - cx).powi(2) + (p[1] - cy).powi(2)).sqrt()
}

impl MultiPolygon {
    pub fn simplify(&self, tolerance: f64) -> MultiPolygon {
        MultiPolygon(
            self.0.iter().map(|poly| poly.iter().map(|ring| simplify_ring(ring, tolerance)).collect()).collect(),
        )
    }

    /// Area-weighted centroid of the outer rings (holes ignored: they are small here).
    pub fn centroid(&self) -> Option<LonLat> {
        let (mut a_sum, mut x_sum, mut y_sum) = (0.0, 0.0, 0.0);
        for ring in self.0.iter().filter_map(|p| p.first()) {
            for w in ring.windows(2) {
                let cross = w[0][0] * w[1][1] - w[1][0] * w[0][1];
                a_sum += cross;
                x_sum += (w[0][0] + w[1][0]) * cross;
                y_sum += (w[0][1] + w[1][1]) * cross;
            }
        }
        (a_sum.abs() > 1e-15).then(|| round([x_sum / (3.0 * a_sum), y_sum / (3.0 * a_sum)]))
    }

    pub fn contains(&self, p: LonLat) -> bool {
        self.0.iter().any(|poly| {
            let mut inside = false;
            for ring in poly {
                if ring_contains(ring, p) {
                    inside = !inside;
                }
            }
            inside
        })
    }

    /// `[min_lon, min_lat, max_lon, max_lat]`.
    pub fn bbox(&self) -> Option<[f64; 4]> {
        let mut points = self.0.iter().flatten().flatten();
        let first = points.next()?;
        Some(points.fold([first[0], first[1], first[0], first[1]], |b, p| {
            [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])]
        }))
    }

    pub fn point_count(&self) -> usize {
        self.0.iter().flatten().map(|r| r.len()).sum()
    }
}

fn ring_contains(ring: &[LonLat], p: LonLat) -> bool {
    let mut inside = false;
    for w in ring.windows(2) {
        let (a, b) = (w[0], w[1]);
        if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0] {
            inside = !inside;
        }
    }
    inside
}

/// Great-circle distance in metres.
pub fn distance_m(a: LonLat, b: LonLat) -> f64 {
    let r = 6_371_000.0;
    let (la1, la2) = (a[1].to_radians(), b[1].to_radians());
    let dla = la2 - la1;
    let dlo = (b[0] - a[0]).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square_wkb() -> Vec<u8> {
        let mut b = vec![1u8];
        b.extend(3u32.to_le_bytes());
        b.extend(1u32.to_le_bytes());
        b.extend(5u32.to_le_bytes());
        for p in [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]] {
            b.extend(f64::to_le_bytes(p[0]));
            b.extend(f64::to_le_bytes(p[1]));
        }
        b
    }

    #[test]
    fn decodes_polygon_and_measures_it() {
        let mp = parse_wkb(&square_wkb()).expect("valid wkb");
        assert_eq!(mp.point_count(), 5);
        assert_eq!(mp.centroid(), Some([0.5, 0.5]));
        assert!(mp.contains([0.3, 0.7]));
        assert!(!mp.contains([1.3, 0.7]));
        assert_eq!(mp.bbox(), Some([0.0, 0.0, 1.0, 1.0]));
    }

    #[test]
    fn garbage_wkb_is_an_error_not_a_panic() {
        let good = square_wkb();
        for cut in 0..good.len() {
            assert!(parse_wkb(&good[..cut]).is_err());
        }
        assert!(matches!(parse_wkb(&[7, 0, 0, 0, 0]), Err(WkbError::ByteOrder(7))));
        let mut huge = vec![1u8];
        huge.extend(3u32.to_le_bytes());
        huge.extend(u32::MAX.to_le_bytes());
        assert!(parse_wkb(&huge).is_err());
    }

    #[test]
    fn simplify_keeps_shape_and_drops_collinear_points() {
        let ring: Ring = vec![[0.0, 0.0], [0.5, 0.0], [1.0, 0.0], [1.0, 1.0], [0.5, 1.0], [0.0, 1.0], [0.0, 0.0]];
        let s = simplify_ring(&ring, 0.01);
        assert_eq!(s, vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]);
    }

    #[test]
    fn distance_seoul_city_hall_to_gangnam_station() {
        let d = distance_m([126.9780, 37.5665], [127.0276, 37.4979]);
        assert!((8_000.0..9_500.0).contains(&d), "{d}");
    }
}
