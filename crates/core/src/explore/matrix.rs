//! The exactly-once matrix: every named setting (rows) against every kind of anomaly
//! (columns), each cell filled by the same explorer runs: the shortest run found, or none in
//! the budget. Beside it, how many kinds each setting shows as the budget grows, the series a
//! plot draws. Everything here is a pure function of the options, so the matrix is the same
//! on every machine and for any number of threads.

use super::anomaly::{AnomalyKind, kind_of};
use super::explorer::{ExploreOptions, Finding, RunRecord, run_seed};
use super::settings::{Setting, catalogue};

/// One cell: the shortest run that showed the anomaly, shrunk, or none in the budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Found(Finding),
    NoneIn { runs: u64 },
}

/// One setting's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatrixRow {
    pub setting: &'static str,
    pub title: &'static str,
    /// One per column, in [`AnomalyKind::ALL`]'s order.
    pub cells: Vec<Cell>,
    /// How many kinds of anomaly the first `budgets[i]` runs found.
    pub found_by_budget: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matrix {
    pub runs: u64,
    pub steps_per_run: usize,
    pub columns: Vec<AnomalyKind>,
    /// The budgets (numbers of runs) the growth series is sampled at.
    pub budgets: Vec<u64>,
    pub rows: Vec<MatrixRow>,
}

/// Runs per setting that `eos-lab matrix` and the book's matrix make: every weaker setting of
/// the catalogue shows its anomaly within them (the rarest, `per-thread-group-id-only`, first
/// at seed 433), and natively the whole matrix takes a few seconds.
pub const MATRIX_RUNS: u64 = 1_000;

/// 1, 2, 5, 10, 20, 50, ... up to `runs`, and `runs` itself.
pub fn budgets(runs: u64) -> Vec<u64> {
    let mut out = Vec::new();
    let mut decade = 1;
    while decade <= runs {
        for step in [1, 2, 5] {
            let budget = decade * step;
            if budget < runs {
                out.push(budget);
            }
        }
        decade = decade.saturating_mul(10);
    }
    out.push(runs);
    out
}

/// The whole matrix, run here, seed after seed.
pub fn matrix(options: &ExploreOptions) -> Matrix {
    let rows = catalogue()
        .iter()
        .map(|setting| {
            let records: Vec<RunRecord> = (0..options.runs)
                .map(|i| run_seed(&setting.config, options.first_seed.wrapping_add(i), options))
                .collect();
            matrix_row(setting, &records, options)
        })
        .collect();
    assemble(options, rows)
}

/// The matrix from rows made elsewhere (in parallel, say), in the catalogue's order.
pub fn assemble(options: &ExploreOptions, rows: Vec<MatrixRow>) -> Matrix {
    Matrix {
        runs: options.runs,
        steps_per_run: options.steps_per_run,
        columns: AnomalyKind::ALL.to_vec(),
        budgets: budgets(options.runs),
        rows,
    }
}

/// One setting's row from its runs, given in seed order.
pub fn matrix_row(setting: &Setting, records: &[RunRecord], options: &ExploreOptions) -> MatrixRow {
    let cells = AnomalyKind::ALL
        .iter()
        .map(|kind| {
            // The run that broke it soonest (the lowest seed among equals), shrunk.
            let soonest = records
                .iter()
                .flat_map(|r| r.breaks.iter().map(move |b| (r, b)))
                .filter(|(_, b)| kind_of(b.guarantee) == Some(*kind))
                .min_by_key(|(r, b)| (b.step, r.seed));
            match soonest {
                Some((record, found)) => Cell::Found(Finding::shrink(
                    &setting.config,
                    record,
                    found,
                    options.shrink_replays,
                )),
                None => Cell::NoneIn {
                    runs: records.len() as u64,
                },
            }
        })
        .collect();
    let found_by_budget = budgets(options.runs)
        .iter()
        .map(|budget| {
            let mut kinds: Vec<AnomalyKind> = records
                .iter()
                .take(usize::try_from(*budget).unwrap_or(usize::MAX))
                .flat_map(|r| r.breaks.iter().filter_map(|b| kind_of(b.guarantee)))
                .collect();
            kinds.sort();
            kinds.dedup();
            kinds.len()
        })
        .collect();
    MatrixRow {
        setting: setting.name,
        title: setting.title,
        cells,
        found_by_budget,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_grow_by_one_two_five_up_to_the_runs() {
        assert_eq!(budgets(1), vec![1]);
        assert_eq!(budgets(20), vec![1, 2, 5, 10, 20]);
        assert_eq!(budgets(120), vec![1, 2, 5, 10, 20, 50, 100, 120]);
    }

    #[test]
    fn the_matrix_shows_the_safe_row_clean_and_the_weak_rows_red() {
        // Seeds 8 to 10: the third run crashes acks=1's leader under an acknowledged write.
        let options = ExploreOptions {
            first_seed: 8,
            runs: 3,
            steps_per_run: 120,
            ..ExploreOptions::default()
        };
        let matrix = matrix(&options);
        assert_eq!(matrix.rows.len(), catalogue().len());
        let row = |name: &str| {
            matrix
                .rows
                .iter()
                .find(|r| r.setting == name)
                .expect("a row per setting")
        };
        let column = |kind| {
            AnomalyKind::ALL
                .iter()
                .position(|k| *k == kind)
                .expect("a column")
        };
        assert!(
            row("safe")
                .cells
                .iter()
                .all(|c| *c == Cell::NoneIn { runs: 3 })
        );
        assert_eq!(row("safe").found_by_budget, vec![0, 0, 0]);
        match &row("acks-1").cells[column(AnomalyKind::LostWrite)] {
            Cell::Found(finding) => assert!(finding.actions.len() <= 5, "{finding:?}"),
            other => panic!("acks=1 loses no write: {other:?}"),
        }
        let growth = &row("idempotence-off").found_by_budget;
        assert!(growth.windows(2).all(|w| w[0] <= w[1]), "{growth:?}");
        assert!(growth[0] >= 1, "{growth:?}");
        // The same options give the same matrix.
        assert_eq!(matrix, super::matrix(&options));
    }
}
