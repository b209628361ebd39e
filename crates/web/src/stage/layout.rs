//! Where everything sits on the stage, in the drawing's own units. Wide (a 1200-wide viewBox):
//! producers on the left, the brokers (their replicas and the coordinator) in the middle,
//! consumers and the database on the right, and a lane on each side of the brokers where the
//! messages in flight are drawn. Tall (a 520-wide viewBox, for a phone or a narrow embed): the
//! same parts stacked, producers above the brokers and consumers below, each lane a band
//! between them, so the whole system is seen without scrolling sideways. Pure, so native tests
//! check that nothing overlaps.

use super::model::{CELLS_SHOWN, Role, StageModel, TRANSACTIONS_DRAWN};

/// The wide drawing's width; its height grows only when the columns do not fit [`MIN_HEIGHT`].
pub const WIDTH: f64 = 1200.0;
/// The tall drawing's width: one broker box and its margins.
pub const TALL_WIDTH: f64 = MIDDLE_WIDTH + 2.0 * MARGIN;
/// Rows of pills in a tall drawing's band; messages that do not fit are counted.
pub const BAND_ROWS: usize = 2;
pub const MIN_HEIGHT: f64 = 220.0;
const MARGIN: f64 = 8.0;
const GAP: f64 = 10.0;

pub const CLIENT_WIDTH: f64 = 190.0;
const PRODUCER_X: f64 = 4.0;
pub const MIDDLE_X: f64 = 396.0;
pub const MIDDLE_WIDTH: f64 = 504.0;
const CONSUMER_X: f64 = WIDTH - 4.0 - CLIENT_WIDTH;

/// The left lane, between producers and brokers; the right one, between brokers and consumers.
pub const LEFT_LANE: (f64, f64) = (PRODUCER_X + CLIENT_WIDTH + 6.0, MIDDLE_X - 6.0);
pub const RIGHT_LANE: (f64, f64) = (MIDDLE_X + MIDDLE_WIDTH + 6.0, CONSUMER_X - 6.0);

pub const PRODUCER_HEIGHT: f64 = 66.0;
/// The lab's own endpoint: a name and a line, smaller than a producer.
pub const LAB_HEIGHT: f64 = 36.0;
const CONSUMER_HEAD: f64 = 48.0;
pub const CONSUMER_LINE: f64 = 15.0;
/// Partitions listed per consumer; more are counted.
pub const CONSUMER_LINES: usize = 3;
const DATABASE_HEIGHT: f64 = 48.0;

pub const BROKER_HEAD: f64 = 22.0;
pub const LEADER_ROW: f64 = 58.0;
pub const FOLLOWER_ROW: f64 = 19.0;
pub const COORDINATOR_HEAD: f64 = 18.0;
pub const COORDINATOR_LINE: f64 = 15.0;
const BROKER_FOOT: f64 = 6.0;

/// Inside a leader row: the name column, the "n earlier" stub, then one cell per offset.
pub const ROW_LABEL_WIDTH: f64 = 88.0;
pub const STUB_WIDTH: f64 = 40.0;
pub const CELL_WIDTH: f64 = 36.0;
pub const CELL_HEIGHT: f64 = 26.0;

pub const PILL_HEIGHT: f64 = 18.0;
const PILL_GAP: f64 = 4.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn right(&self) -> f64 {
        self.x + self.w
    }

    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }

    pub fn mid_y(&self) -> f64 {
        self.y + self.h / 2.0
    }

    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.right()
            && other.x < self.right()
            && self.y < other.bottom()
            && other.y < self.bottom()
    }

    pub fn contains(&self, inner: &Rect) -> bool {
        inner.x >= self.x
            && inner.y >= self.y
            && inner.right() <= self.right()
            && inner.bottom() <= self.bottom()
    }
}

/// How many things of each kind there are: all the layout needs to know.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    pub producers: usize,
    /// Whether the lab's own endpoint is drawn, after the producers.
    pub lab: bool,
    /// Partition lines per consumer.
    pub consumers: Vec<usize>,
    pub database: bool,
    pub brokers: Vec<BrokerShape>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BrokerShape {
    /// The role of each replica, in the order they are drawn.
    pub rows: Vec<Role>,
    /// Lines of the coordinator's section, when the coordinator is on this broker.
    pub coordinator_lines: Option<usize>,
}

impl Shape {
    pub fn of(model: &StageModel) -> Self {
        Self {
            producers: model.producers.len(),
            lab: model.lab.is_some(),
            consumers: model.consumers.iter().map(|c| c.positions.len()).collect(),
            database: model.database.is_some(),
            brokers: model
                .brokers
                .iter()
                .map(|b| BrokerShape {
                    rows: b.replicas.iter().map(|r| r.role).collect(),
                    coordinator_lines: b.is_coordinator.then(|| {
                        let listed = model.coordinator.transactions.len().max(1);
                        listed + usize::from(model.coordinator.hidden_transactions > 0)
                    }),
                })
                .collect(),
        }
    }
}

/// A broker's box, its replica rows and its coordinator section.
#[derive(Clone, Debug, PartialEq)]
pub struct BrokerBox {
    pub rect: Rect,
    pub rows: Vec<Rect>,
    pub coordinator: Option<Rect>,
}

/// Which of the two drawings: side by side, or stacked for a narrow screen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Arrangement {
    #[default]
    Wide,
    Tall,
}

/// Which way messages cross a lane: left and right (a wide drawing's columns, pills stacked
/// down the lane), or up and down (a tall drawing's bands, pills in rows across it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Across,
    Down,
}

/// Where the messages between two parts of the system are drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lane {
    pub rect: Rect,
    pub flow: Flow,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub arrangement: Arrangement,
    pub width: f64,
    pub height: f64,
    pub producers: Vec<Rect>,
    /// The lab's own endpoint, in the producers' column (hand-made requests come from it).
    pub lab: Option<Rect>,
    pub brokers: Vec<BrokerBox>,
    pub consumers: Vec<Rect>,
    pub database: Option<Rect>,
    /// Between the producers and the brokers.
    pub producer_lane: Lane,
    /// Between the brokers and the consumers (and, between brokers, the markers).
    pub consumer_lane: Lane,
}

fn consumer_height(lines: usize) -> f64 {
    CONSUMER_HEAD + CONSUMER_LINE * lines.min(CONSUMER_LINES + 1) as f64
}

fn row_height(role: Role) -> f64 {
    match role {
        Role::Leader => LEADER_ROW,
        Role::Follower => FOLLOWER_ROW,
    }
}

fn broker_height(shape: &BrokerShape) -> f64 {
    let rows: f64 = shape.rows.iter().map(|r| row_height(*r)).sum();
    let coordinator = shape.coordinator_lines.map_or(0.0, |lines| {
        COORDINATOR_HEAD + COORDINATOR_LINE * lines.min(TRANSACTIONS_DRAWN + 1) as f64
    });
    BROKER_HEAD + rows + coordinator + BROKER_FOOT
}

/// Stacks boxes of `heights` from `top`, `GAP` apart.
fn stack(x: f64, w: f64, top: f64, heights: &[f64]) -> Vec<Rect> {
    let mut y = top;
    heights
        .iter()
        .map(|h| {
            let rect = Rect { x, y, w, h: *h };
            y += h + GAP;
            rect
        })
        .collect()
}

fn column_height(heights: &[f64]) -> f64 {
    heights.iter().sum::<f64>() + GAP * heights.len().saturating_sub(1) as f64
}

/// The heights of what sits before the brokers: the producers, then the lab's endpoint.
fn senders(shape: &Shape) -> Vec<f64> {
    let mut heights = vec![PRODUCER_HEIGHT; shape.producers];
    if shape.lab {
        heights.push(LAB_HEIGHT);
    }
    heights
}

/// Each broker's rows and coordinator section inside its box.
fn broker_boxes(boxes: Vec<Rect>, shapes: &[BrokerShape]) -> Vec<BrokerBox> {
    boxes
        .into_iter()
        .zip(shapes)
        .map(|(rect, broker)| {
            let mut y = rect.y + BROKER_HEAD;
            let rows = broker
                .rows
                .iter()
                .map(|role| {
                    let row = Rect {
                        x: rect.x + 6.0,
                        y,
                        w: rect.w - 12.0,
                        h: row_height(*role),
                    };
                    y += row.h;
                    row
                })
                .collect();
            let coordinator = broker.coordinator_lines.map(|_| Rect {
                x: rect.x + 6.0,
                y,
                w: rect.w - 12.0,
                h: rect.bottom() - BROKER_FOOT - y,
            });
            BrokerBox {
                rect,
                rows,
                coordinator,
            }
        })
        .collect()
}

impl Layout {
    /// The wide drawing.
    pub fn of(shape: &Shape) -> Self {
        Self::arranged(shape, Arrangement::Wide)
    }

    pub fn arranged(shape: &Shape, arrangement: Arrangement) -> Self {
        match arrangement {
            Arrangement::Wide => Self::wide(shape),
            Arrangement::Tall => Self::tall(shape),
        }
    }

    fn wide(shape: &Shape) -> Self {
        let producer_heights = senders(shape);
        let mut right_heights: Vec<f64> = shape
            .consumers
            .iter()
            .map(|l| consumer_height(*l))
            .collect();
        if shape.database {
            right_heights.push(DATABASE_HEIGHT);
        }
        let broker_heights: Vec<f64> = shape.brokers.iter().map(broker_height).collect();
        let height = [
            column_height(&producer_heights),
            column_height(&right_heights),
            column_height(&broker_heights),
        ]
        .into_iter()
        .fold(MIN_HEIGHT - 2.0 * MARGIN, f64::max)
            + 2.0 * MARGIN;
        // The side columns are centred, so short ones sit level with the brokers' middle.
        let centred = |heights: &[f64]| MARGIN.max((height - column_height(heights)) / 2.0);
        let mut producers = stack(
            PRODUCER_X,
            CLIENT_WIDTH,
            centred(&producer_heights),
            &producer_heights,
        );
        let lab = shape.lab.then(|| producers.pop()).flatten();
        let mut right = stack(
            CONSUMER_X,
            CLIENT_WIDTH,
            centred(&right_heights),
            &right_heights,
        );
        let database = shape.database.then(|| right.pop()).flatten();
        let boxes = stack(
            MIDDLE_X,
            MIDDLE_WIDTH,
            centred(&broker_heights),
            &broker_heights,
        );
        let lane = |(left, right): (f64, f64)| Lane {
            rect: Rect {
                x: left,
                y: 0.0,
                w: right - left,
                h: height,
            },
            flow: Flow::Across,
        };
        Self {
            arrangement: Arrangement::Wide,
            width: WIDTH,
            height,
            producers,
            lab,
            brokers: broker_boxes(boxes, &shape.brokers),
            consumers: right,
            database,
            producer_lane: lane(LEFT_LANE),
            consumer_lane: lane(RIGHT_LANE),
        }
    }

    /// Producers two to a row, a band, the brokers one under another, a band, then the
    /// consumers and the database two to a row.
    fn tall(shape: &Shape) -> Self {
        let inner = TALL_WIDTH - 2.0 * MARGIN;
        let half = (inner - GAP) / 2.0;
        let band_height = BAND_ROWS as f64 * (PILL_HEIGHT + PILL_GAP) + PILL_GAP;
        let mut y = MARGIN;
        let pairs = |heights: &[f64], y: &mut f64| -> Vec<Rect> {
            let rects: Vec<Rect> = heights
                .chunks(2)
                .flat_map(|row| {
                    let top = *y;
                    let tallest = row.iter().copied().fold(0.0, f64::max);
                    *y += tallest + GAP;
                    row.iter().enumerate().map(move |(i, h)| Rect {
                        x: MARGIN + i as f64 * (half + GAP),
                        y: top,
                        w: half,
                        h: *h,
                    })
                })
                .collect();
            if !rects.is_empty() {
                *y -= GAP;
            }
            rects
        };
        let mut producers = pairs(&senders(shape), &mut y);
        let lab = shape.lab.then(|| producers.pop()).flatten();
        let band = |top: f64| Lane {
            rect: Rect {
                x: MARGIN,
                y: top,
                w: inner,
                h: band_height,
            },
            flow: Flow::Down,
        };
        let producer_lane = band(y);
        y += band_height;
        let broker_heights: Vec<f64> = shape.brokers.iter().map(broker_height).collect();
        let boxes = stack(MARGIN, inner, y, &broker_heights);
        y += column_height(&broker_heights);
        let consumer_lane = band(y);
        y += band_height;
        let mut below: Vec<f64> = shape
            .consumers
            .iter()
            .map(|l| consumer_height(*l))
            .collect();
        if shape.database {
            below.push(DATABASE_HEIGHT);
        }
        let mut consumers = pairs(&below, &mut y);
        let database = shape.database.then(|| consumers.pop()).flatten();
        Self {
            arrangement: Arrangement::Tall,
            width: TALL_WIDTH,
            height: y + MARGIN,
            producers,
            lab,
            brokers: broker_boxes(boxes, &shape.brokers),
            consumers,
            database,
            producer_lane,
            consumer_lane,
        }
    }

    /// Every node's box, for overlap checks.
    pub fn boxes(&self) -> Vec<Rect> {
        self.producers
            .iter()
            .chain(&self.lab)
            .chain(self.brokers.iter().map(|b| &b.rect))
            .chain(&self.consumers)
            .chain(&self.database)
            .copied()
            .collect()
    }
}

/// Where a leader row's cell for the `index`-th drawn offset sits.
pub fn cell_rect(row: &Rect, index: usize) -> Rect {
    Rect {
        x: row.x + ROW_LABEL_WIDTH + STUB_WIDTH + CELL_WIDTH * index as f64,
        y: row.y + 15.0,
        w: CELL_WIDTH - 3.0,
        h: CELL_HEIGHT,
    }
}

/// The x of the boundary before the `index`-th drawn offset (index = cells drawn: after the
/// last one).
pub fn boundary_x(row: &Rect, index: usize) -> f64 {
    row.x + ROW_LABEL_WIDTH + STUB_WIDTH + CELL_WIDTH * index as f64 - 1.5
}

/// The whole strip fits its row whatever the log's length.
pub fn strip_right(row: &Rect) -> f64 {
    boundary_x(row, CELLS_SHOWN)
}

/// Where a pill sits across its lane: in the middle (in flight), or against the side it
/// arrived at (a wide lane's left or right edge; a tall band's top or bottom row).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Centre,
    Start,
    End,
}

/// A pill to place: its lane, where along the lane it would like its middle (a height in a
/// wide lane, an x in a tall band), its width and alignment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PillWish {
    pub lane: Lane,
    pub at: f64,
    pub w: f64,
    pub align: Align,
}

/// Places pills in their lanes, each as near its wished place as the pills placed before it
/// allow, none overlapping and none outside its lane (nor, in a wide lane, past `height`): a
/// pill that does not fit is `None` (counted as "+n more").
pub fn place_pills(wishes: &[PillWish], height: f64) -> Vec<Option<Rect>> {
    let mut order: Vec<usize> = (0..wishes.len()).collect();
    order.sort_by(|a, b| wishes[*a].at.total_cmp(&wishes[*b].at));
    let mut placed = vec![None; wishes.len()];
    // Taken places per lane, each grown by the gap on its far sides.
    let mut taken: Vec<(Rect, Rect)> = Vec::new();
    for i in order {
        let wish = wishes[i];
        let w = wish.w.min(wish.lane.rect.w);
        let spot = match wish.lane.flow {
            Flow::Across => place_across(&wish, w, height, &taken),
            Flow::Down => place_down(&wish, w, &taken),
        };
        if let Some(rect) = spot {
            placed[i] = Some(rect);
            taken.push((
                wish.lane.rect,
                Rect {
                    w: rect.w + PILL_GAP,
                    h: rect.h + PILL_GAP,
                    ..rect
                },
            ));
        }
    }
    placed
}

/// The first taken place in `lane` that `rect` would overlap.
fn clash(taken: &[(Rect, Rect)], lane: &Rect, rect: &Rect) -> Option<Rect> {
    taken
        .iter()
        .filter(|(l, t)| l == lane && t.overlaps(rect))
        .map(|(_, t)| *t)
        .next()
}

/// Down a wide lane: at the wished height, else lower, else in the first gap from the top.
fn place_across(wish: &PillWish, w: f64, height: f64, taken: &[(Rect, Rect)]) -> Option<Rect> {
    let lane = wish.lane.rect;
    let x = match wish.align {
        Align::Centre => lane.x + (lane.w - w) / 2.0,
        Align::Start => lane.x,
        Align::End => lane.right() - w,
    };
    let limit = height - MARGIN - PILL_HEIGHT;
    // A pill has the lane's whole width to itself, so no link crosses another pill.
    let settle = |mut y: f64| {
        loop {
            let row = Rect {
                x: lane.x,
                y,
                w: lane.w,
                h: PILL_HEIGHT + PILL_GAP,
            };
            match clash(taken, &lane, &row) {
                Some(t) => y = t.bottom(),
                None => {
                    return (y <= limit).then_some(Rect {
                        x,
                        y,
                        w,
                        h: PILL_HEIGHT,
                    });
                }
            }
        }
    };
    let wished = (wish.at - PILL_HEIGHT / 2.0).clamp(MARGIN, limit.max(MARGIN));
    settle(wished).or_else(|| settle(MARGIN))
}

/// Across a tall band: in the row nearest the side it arrived at (the top row for one in
/// flight), at the wished x, else further right, else from the band's left, else the next row.
fn place_down(wish: &PillWish, w: f64, taken: &[(Rect, Rect)]) -> Option<Rect> {
    let lane = wish.lane.rect;
    let mut rows: Vec<f64> = (0..BAND_ROWS)
        .map(|r| lane.y + PILL_GAP + r as f64 * (PILL_HEIGHT + PILL_GAP))
        .collect();
    if wish.align == Align::End {
        rows.reverse();
    }
    let settle = |mut x: f64, y: f64| {
        loop {
            let rect = Rect {
                x,
                y,
                w,
                h: PILL_HEIGHT,
            };
            if rect.right() > lane.right() {
                return None;
            }
            match clash(taken, &lane, &rect) {
                Some(t) => x = t.right(),
                None => return Some(rect),
            }
        }
    };
    let wished = (wish.at - w / 2.0).clamp(lane.x, (lane.right() - w).max(lane.x));
    rows.into_iter()
        .find_map(|y| settle(wished, y).or_else(|| settle(lane.x, y)))
}

/// A pill's width for its text (a sans-serif at 11 units averages under 6.4 a character).
pub fn pill_width(text: &str) -> f64 {
    16.0 + 6.4 * text.chars().count() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(brokers: usize, partitions: usize, replication: usize, clients: usize) -> Shape {
        Shape {
            producers: clients,
            lab: clients % 2 == 1,
            consumers: vec![partitions; clients],
            database: true,
            brokers: (0..brokers)
                .map(|b| BrokerShape {
                    rows: (0..partitions)
                        .filter(|p| (0..replication.min(brokers)).any(|r| (p + r) % brokers == b))
                        .map(|p| {
                            if p % brokers == b {
                                Role::Leader
                            } else {
                                Role::Follower
                            }
                        })
                        .collect(),
                    coordinator_lines: (b == 0).then_some(2),
                })
                .collect(),
        }
    }

    #[test]
    fn no_two_nodes_overlap_for_one_to_five_brokers_and_several_clients() {
        for arrangement in [Arrangement::Wide, Arrangement::Tall] {
            for brokers in 1..=5 {
                for clients in [1, 2, 3, 4] {
                    for (partitions, replication) in [(1, 1), (2, 3), (4, 3)] {
                        let shape = shape(brokers, partitions, replication, clients);
                        let layout = Layout::arranged(&shape, arrangement);
                        let boxes = layout.boxes();
                        for (i, a) in boxes.iter().enumerate() {
                            assert!(a.x >= 0.0 && a.right() <= layout.width && a.y >= 0.0);
                            assert!(a.bottom() <= layout.height, "{a:?} below the drawing");
                            for b in &boxes[i + 1..] {
                                assert!(!a.overlaps(b), "{a:?} overlaps {b:?} ({brokers} brokers)");
                            }
                            for lane in [layout.producer_lane, layout.consumer_lane] {
                                assert!(!a.overlaps(&lane.rect), "{a:?} sits in a lane");
                            }
                        }
                        for broker in &layout.brokers {
                            for row in broker.rows.iter().chain(&broker.coordinator) {
                                assert!(broker.rect.contains(row), "{row:?} leaves its broker");
                            }
                            for (i, a) in broker.rows.iter().enumerate() {
                                assert!(strip_right(a) <= a.right(), "cells leave the row");
                                for b in &broker.rows[i + 1..] {
                                    assert!(!a.overlaps(b));
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_small_system_stays_compact_and_lanes_sit_between_the_columns() {
        let layout = Layout::of(&shape(1, 2, 1, 2));
        assert!(layout.height < 260.0, "{}", layout.height);
        let (left, right) = (layout.producer_lane.rect, layout.consumer_lane.rect);
        assert!(left.x >= layout.producers[0].right());
        assert!(left.right() <= MIDDLE_X);
        assert!(right.x >= MIDDLE_X + MIDDLE_WIDTH);
        assert!(right.right() <= layout.consumers[0].x);
    }

    #[test]
    fn the_tall_drawing_stacks_producers_brokers_and_consumers_with_a_band_between() {
        let layout = Layout::arranged(&shape(3, 2, 3, 3), Arrangement::Tall);
        assert_eq!(layout.width, TALL_WIDTH);
        let lowest = |rects: &[Rect]| rects.iter().map(Rect::bottom).fold(0.0, f64::max);
        let highest = |rects: &[Rect]| rects.iter().map(|r| r.y).fold(f64::MAX, f64::min);
        let brokers: Vec<Rect> = layout.brokers.iter().map(|b| b.rect).collect();
        let below: Vec<Rect> = layout
            .consumers
            .iter()
            .chain(&layout.database)
            .copied()
            .collect();
        assert!(lowest(&layout.producers) <= layout.producer_lane.rect.y);
        assert!(layout.producer_lane.rect.bottom() <= highest(&brokers));
        assert!(lowest(&brokers) <= layout.consumer_lane.rect.y);
        assert!(layout.consumer_lane.rect.bottom() <= highest(&below));
        // Two clients to a row: three producers take two rows.
        assert_eq!(layout.producers[0].y, layout.producers[1].y);
        assert!(layout.producers[2].y > layout.producers[0].bottom());
    }

    fn assert_placed_apart(placed: &[Option<Rect>], lane: &Lane, height: f64) -> usize {
        let shown: Vec<Rect> = placed.iter().flatten().copied().collect();
        for (i, a) in shown.iter().enumerate() {
            assert!(lane.rect.contains(a), "{a:?} leaves its lane");
            assert!(a.bottom() <= height);
            for b in &shown[i + 1..] {
                assert!(!a.overlaps(b), "{a:?} overlaps {b:?}");
            }
        }
        shown.len()
    }

    #[test]
    fn pills_in_one_lane_never_overlap_and_those_that_do_not_fit_are_left_out() {
        let wide = Layout::of(&shape(1, 2, 1, 2));
        let wish = |lane: Lane, at| PillWish {
            lane,
            at,
            w: 120.0,
            align: Align::Centre,
        };
        let wishes: Vec<PillWish> = (0..40).map(|_| wish(wide.producer_lane, 100.0)).collect();
        let placed = place_pills(&wishes, MIN_HEIGHT);
        let shown = assert_placed_apart(&placed, &wide.producer_lane, MIN_HEIGHT);
        assert!((8..40).contains(&shown), "{shown}");
        // Each lane is its own: one pill in each sits at the same height.
        let placed = place_pills(
            &[
                wish(wide.producer_lane, 100.0),
                wish(wide.consumer_lane, 100.0),
            ],
            MIN_HEIGHT,
        );
        assert_eq!(placed[0].map(|r| r.y), placed[1].map(|r| r.y));

        let tall = Layout::arranged(&shape(1, 2, 1, 2), Arrangement::Tall);
        let band = tall.producer_lane;
        let wishes: Vec<PillWish> = (0..40)
            .map(|i| wish(band, 40.0 * f64::from(i % 9)))
            .collect();
        let placed = place_pills(&wishes, tall.height);
        let shown = assert_placed_apart(&placed, &band, tall.height);
        // Four pills of 120 to a row of 504, a row each of BAND_ROWS rows.
        assert_eq!(shown, 4 * BAND_ROWS, "{placed:?}");
        // An answer that reached the top waits in the top row, one that reached the bottom in
        // the bottom row.
        let arrived = |align| PillWish {
            align,
            ..wish(band, 200.0)
        };
        let placed = place_pills(&[arrived(Align::Start), arrived(Align::End)], tall.height);
        let (top, bottom) = (placed[0].unwrap(), placed[1].unwrap());
        assert!(top.y < band.rect.y + PILL_HEIGHT);
        assert!(bottom.bottom() > band.rect.bottom() - PILL_HEIGHT);
    }
}
