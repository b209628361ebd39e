//! Where everything sits on the stage, in the drawing's own units: a fixed 1200-wide viewBox
//! with producers on the left, the brokers (their replicas and the coordinator) in the middle,
//! consumers and the database on the right, and a lane on each side of the brokers where the
//! messages in flight are drawn. Pure, so native tests check that nothing overlaps.

use super::model::{CELLS_SHOWN, Role, StageModel, TRANSACTIONS_DRAWN};

/// The drawing's width; its height grows only when the columns do not fit [`MIN_HEIGHT`].
pub const WIDTH: f64 = 1200.0;
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

#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub height: f64,
    pub producers: Vec<Rect>,
    pub brokers: Vec<BrokerBox>,
    pub consumers: Vec<Rect>,
    pub database: Option<Rect>,
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

impl Layout {
    pub fn of(shape: &Shape) -> Self {
        let producer_heights = vec![PRODUCER_HEIGHT; shape.producers];
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
        let producers = stack(
            PRODUCER_X,
            CLIENT_WIDTH,
            centred(&producer_heights),
            &producer_heights,
        );
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
        let brokers = boxes
            .into_iter()
            .zip(&shape.brokers)
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
            .collect();
        Self {
            height,
            producers,
            brokers,
            consumers: right,
            database,
        }
    }

    /// Every node's box, for overlap checks.
    pub fn boxes(&self) -> Vec<Rect> {
        self.producers
            .iter()
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

/// How a pill lines up in its lane: centred (in flight), or against the side it arrived at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Centre,
    Left,
    Right,
}

/// A pill to place: its lane, where it would like its middle, its width and alignment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PillWish {
    pub lane: (f64, f64),
    pub y: f64,
    pub w: f64,
    pub align: Align,
}

/// Places pills in their lanes, each as near its wished height as the pills placed before it
/// allow (below them, else in the first gap from the top), none overlapping and none past
/// `height`: a pill that does not fit is `None` (counted as "+n more").
pub fn place_pills(wishes: &[PillWish], height: f64) -> Vec<Option<Rect>> {
    let mut order: Vec<usize> = (0..wishes.len()).collect();
    order.sort_by(|a, b| wishes[*a].y.total_cmp(&wishes[*b].y));
    let mut placed = vec![None; wishes.len()];
    // Taken heights per lane: (lane, top, bottom including the gap).
    let mut taken: Vec<((f64, f64), f64, f64)> = Vec::new();
    let limit = height - MARGIN - PILL_HEIGHT;
    for i in order {
        let wish = wishes[i];
        let clash = |y: f64, taken: &[((f64, f64), f64, f64)]| {
            taken
                .iter()
                .filter(|(lane, top, bottom)| {
                    *lane == wish.lane && y < *bottom && *top < y + PILL_HEIGHT + PILL_GAP
                })
                .map(|(_, _, bottom)| *bottom)
                .fold(None, |most: Option<f64>, b| {
                    Some(most.map_or(b, |m| m.max(b)))
                })
        };
        let settle = |mut y: f64| {
            while let Some(below) = clash(y, &taken) {
                y = below;
            }
            (y <= limit).then_some(y)
        };
        let wished = (wish.y - PILL_HEIGHT / 2.0).clamp(MARGIN, limit.max(MARGIN));
        let Some(y) = settle(wished).or_else(|| settle(MARGIN)) else {
            continue;
        };
        let (left, right) = wish.lane;
        let w = wish.w.min(right - left);
        let x = match wish.align {
            Align::Centre => left + (right - left - w) / 2.0,
            Align::Left => left,
            Align::Right => right - w,
        };
        placed[i] = Some(Rect {
            x,
            y,
            w,
            h: PILL_HEIGHT,
        });
        taken.push((wish.lane, y, y + PILL_HEIGHT + PILL_GAP));
    }
    placed
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
        for brokers in 1..=5 {
            for clients in [1, 2, 4] {
                for (partitions, replication) in [(1, 1), (2, 3), (4, 3)] {
                    let layout = Layout::of(&shape(brokers, partitions, replication, clients));
                    let boxes = layout.boxes();
                    for (i, a) in boxes.iter().enumerate() {
                        assert!(a.x >= 0.0 && a.right() <= WIDTH && a.y >= 0.0);
                        assert!(a.bottom() <= layout.height, "{a:?} below the drawing");
                        for b in &boxes[i + 1..] {
                            assert!(!a.overlaps(b), "{a:?} overlaps {b:?} ({brokers} brokers)");
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

    #[test]
    fn a_small_system_stays_compact_and_lanes_sit_between_the_columns() {
        let layout = Layout::of(&shape(1, 2, 1, 2));
        assert!(layout.height < 260.0, "{}", layout.height);
        assert!(LEFT_LANE.0 >= layout.producers[0].right());
        assert!(LEFT_LANE.1 <= MIDDLE_X);
        assert!(RIGHT_LANE.0 >= MIDDLE_X + MIDDLE_WIDTH);
        assert!(RIGHT_LANE.1 <= layout.consumers[0].x);
    }

    #[test]
    fn pills_in_one_lane_never_overlap_and_those_that_do_not_fit_are_left_out() {
        let wish = |y| PillWish {
            lane: LEFT_LANE,
            y,
            w: 120.0,
            align: Align::Centre,
        };
        let wishes: Vec<PillWish> = (0..40).map(|_| wish(100.0)).collect();
        let placed = place_pills(&wishes, MIN_HEIGHT);
        let shown: Vec<Rect> = placed.iter().flatten().copied().collect();
        assert!(shown.len() >= 8 && shown.len() < 40, "{}", shown.len());
        for (i, a) in shown.iter().enumerate() {
            assert!(a.bottom() <= MIN_HEIGHT);
            for b in &shown[i + 1..] {
                assert!(!a.overlaps(b));
            }
        }
        let other_lane = PillWish {
            lane: RIGHT_LANE,
            ..wish(100.0)
        };
        let placed = place_pills(&[wish(100.0), other_lane], MIN_HEIGHT);
        assert_eq!(placed[0].map(|r| r.y), placed[1].map(|r| r.y));
    }
}
