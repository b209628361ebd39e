//! How many bytes a batch takes in the log, as Kafka's record format v2 counts them
//! (`DefaultRecordBatch.RECORD_BATCH_OVERHEAD` and `DefaultRecord.sizeInBytes`), so that
//! `fetch.min.bytes` compares with the bytes a leader would have read. Keys and values are
//! counted as their UTF-8 bytes; records carry no headers, and nothing is compressed.

use crate::broker::batch::StoredBatch;

/// `DefaultRecordBatch.RECORD_BATCH_OVERHEAD`: the batch header before its records.
pub const RECORD_BATCH_OVERHEAD: u64 = 61;

/// A control record's key (`ControlRecordType`: version and type, two int16s).
const CONTROL_KEY_BYTES: usize = 4;
/// A marker's value (`EndTransactionMarker`: version int16 and coordinator epoch int32).
const CONTROL_VALUE_BYTES: usize = 6;

/// `ByteUtils.sizeOfVarlong`: the zigzag varint length of `value`.
fn varlong_size(value: i64) -> u64 {
    let mut zigzag = ((value << 1) ^ (value >> 63)) as u64;
    let mut bytes = 1;
    while zigzag >= 0x80 {
        zigzag >>= 7;
        bytes += 1;
    }
    bytes
}

fn len_size(len: Option<usize>) -> u64 {
    match len {
        // A null key or value is written as length -1.
        None => varlong_size(-1),
        Some(len) => {
            let len64 = u64::try_from(len).unwrap_or(u64::MAX);
            varlong_size(i64::try_from(len).unwrap_or(i64::MAX)).saturating_add(len64)
        }
    }
}

/// `DefaultRecord.sizeInBytes`: the record's body (attributes, deltas, key, value, no
/// headers) and the varint of its length.
fn record_size(
    offset_delta: i64,
    timestamp_delta: i64,
    key: Option<usize>,
    value: Option<usize>,
) -> u64 {
    let body = 1
        + varlong_size(timestamp_delta)
        + varlong_size(offset_delta)
        + len_size(key)
        + len_size(value)
        + varlong_size(0);
    body + varlong_size(i64::try_from(body).unwrap_or(i64::MAX))
}

/// The batch's size in the log (`sizeInBytes`).
pub fn batch_size_in_bytes(batch: &StoredBatch) -> u64 {
    if batch.is_control() {
        return RECORD_BATCH_OVERHEAD
            + record_size(0, 0, Some(CONTROL_KEY_BYTES), Some(CONTROL_VALUE_BYTES));
    }
    let base_timestamp = batch
        .record_timestamps_ms()
        .next()
        .unwrap_or(batch.timestamp_ms);
    let records = batch
        .records
        .iter()
        .zip(batch.record_timestamps_ms())
        .enumerate()
        .map(|(i, (record, timestamp))| {
            let delta = i64::try_from(timestamp)
                .unwrap_or(i64::MAX)
                .saturating_sub(i64::try_from(base_timestamp).unwrap_or(i64::MAX));
            record_size(
                i64::try_from(i).unwrap_or(i64::MAX),
                delta,
                record.key.as_ref().map(String::len),
                Some(record.value.len()),
            )
        })
        .fold(0u64, u64::saturating_add);
    RECORD_BATCH_OVERHEAD.saturating_add(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_grow_every_seven_bits_of_the_zigzag_value() {
        assert_eq!(varlong_size(0), 1);
        assert_eq!(varlong_size(-1), 1);
        assert_eq!(varlong_size(63), 1);
        assert_eq!(varlong_size(64), 2);
        assert_eq!(varlong_size(-65), 2);
    }

    #[test]
    fn a_small_record_is_its_key_and_value_and_seven_bytes() {
        // attributes 1, timestamp delta 1, offset delta 1, key length 1 + 3, value length 1 + 5,
        // header count 1: a body of 14 bytes and its length's varint.
        assert_eq!(record_size(0, 0, Some(3), Some(5)), 15);
        assert_eq!(record_size(0, 0, None, Some(5)), 12);
    }
}
