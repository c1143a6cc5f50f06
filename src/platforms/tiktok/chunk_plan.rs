//! How a video is cut into chunks for TikTok's FILE_UPLOAD (contract §6 and §11): one pure
//! function of the file's size and the configured chunk size, so init, every PUT and a resume
//! after a restart all agree on the same byte ranges.

/// Bounds that hold under both readings of TikTok's "MB" (10^6 or 2^20 bytes): settings check
/// `TIKTOK_CHUNK_SIZE` against the same ones.
pub use crate::config::tiktok::{MAX_CHUNK, MAX_CHUNKS, MAX_LAST_CHUNK, MAX_VIDEO, MIN_CHUNK};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChunkPlanError {
    #[error("the video is empty (0 bytes)")]
    Empty,
    #[error("the video is {0} bytes, and TikTok takes at most 4000000000")]
    TooLarge(u64),
    #[error("{0} bytes is not a chunk size TikTok accepts: use 5242880 to 64000000")]
    BadChunkSize(u64),
    /// TikTok wants a video over 64,000,000 bytes in at least 2 chunks, and a chunk size over
    /// half the video makes only one.
    #[error(
        "chunks of {chunk_size} bytes cut this {video_size}-byte video into a single chunk, and TikTok wants at least 2 for a video over 64000000 bytes: set TIKTOK_CHUNK_SIZE to at most {max_fitting}",
        max_fitting = video_size / 2
    )]
    TooFewChunks { video_size: u64, chunk_size: u64 },
    /// Cannot happen with a valid chunk size and a video within 4,000,000,000 bytes (at most
    /// 762 chunks); kept so the plan itself guarantees TikTok's rule.
    #[error(
        "chunks of {chunk_size} bytes cut this {video_size}-byte video into {count} chunks, and TikTok takes at most 1000: set a larger TIKTOK_CHUNK_SIZE"
    )]
    TooManyChunks {
        video_size: u64,
        chunk_size: u64,
        count: u64,
    },
    /// Cannot happen with a valid chunk size (the last chunk is under twice the chunk size);
    /// kept so the plan itself guarantees TikTok's rule.
    #[error(
        "chunks of {chunk_size} bytes leave a last chunk of {last} bytes, and TikTok takes at most 128000000"
    )]
    LastChunkTooLarge {
        video_size: u64,
        chunk_size: u64,
        last: u64,
    },
}

/// One PUT's bytes, `first..=last`, as `Content-Range: bytes {first}-{last}/{video_size}` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    pub index: u32,
    pub first: u64,
    /// Inclusive.
    pub last: u64,
}

impl Chunk {
    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }

    /// Always false: a plan never holds an empty chunk (a 0-byte video has no plan).
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// Invariants (checked by `new`): `total_chunk_count` is 1 (the whole file) or 2..=1000; every
/// chunk but the last is `chunk_size` bytes; the last takes the remainder and is at most
/// 128,000,000 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkPlan {
    video_size: u64,
    chunk_size: u64,
    total_chunk_count: u32,
}

/// For the `TIKTOK_CHUNK_SIZE` setting: a chunk size valid under both readings of "MB".
pub fn validate_chunk_size(n: u64) -> Result<u64, ChunkPlanError> {
    if (MIN_CHUNK..=MAX_CHUNK).contains(&n) {
        Ok(n)
    } else {
        Err(ChunkPlanError::BadChunkSize(n))
    }
}

impl ChunkPlan {
    /// Up to 64,000,000 bytes the file goes whole, whatever `configured_chunk_size` says (so a
    /// plan rebuilt from a stored whole-file `chunk_size` is the same plan). Above that it goes
    /// in chunks of `configured_chunk_size`.
    pub fn new(video_size: u64, configured_chunk_size: u64) -> Result<Self, ChunkPlanError> {
        if video_size == 0 {
            return Err(ChunkPlanError::Empty);
        }
        if video_size > MAX_VIDEO {
            return Err(ChunkPlanError::TooLarge(video_size));
        }
        // Whole files are the one layout field reports say TikTok never refused (contract §11).
        if video_size <= MAX_CHUNK {
            return Ok(Self {
                video_size,
                chunk_size: video_size,
                total_chunk_count: 1,
            });
        }
        split(video_size, validate_chunk_size(configured_chunk_size)?)
    }

    pub fn video_size(&self) -> u64 {
        self.video_size
    }

    pub fn chunk_size(&self) -> u64 {
        self.chunk_size
    }

    pub fn total_chunk_count(&self) -> u32 {
        self.total_chunk_count
    }

    pub fn chunk(&self, index: u32) -> Option<Chunk> {
        let first = self.chunk_start(index)?;
        let last = if index + 1 == self.total_chunk_count {
            self.video_size - 1
        } else {
            first + self.chunk_size - 1
        };
        Some(Chunk { index, first, last })
    }

    /// The offset chunk `index` starts at: where a resumed upload sends from.
    pub fn chunk_start(&self, index: u32) -> Option<u64> {
        (index < self.total_chunk_count).then(|| u64::from(index) * self.chunk_size)
    }

    pub fn last_chunk(&self) -> Chunk {
        let index = self.total_chunk_count - 1;
        let first = u64::from(index) * self.chunk_size;
        Chunk {
            index,
            first,
            last: self.video_size - 1,
        }
    }

    /// Every chunk in order. Owns a copy of the plan, so it borrows nothing.
    pub fn chunks(&self) -> impl Iterator<Item = Chunk> + use<> {
        let plan = *self;
        (0..plan.total_chunk_count).filter_map(move |i| plan.chunk(i))
    }

    /// The chunk holding byte `offset`, or None past the end. After TikTok acknowledged
    /// `offset` bytes, this is the chunk to send next (from its start: chunks cannot be split).
    pub fn chunk_containing(&self, offset: u64) -> Option<u32> {
        if offset >= self.video_size {
            return None;
        }
        // The remainder past the last full `chunk_size` belongs to the last chunk, so clamp.
        let index = (offset / self.chunk_size).min(u64::from(self.total_chunk_count - 1));
        u32::try_from(index).ok()
    }

    /// What init declared, for logs and for the message when TikTok refuses the chunking.
    pub fn describe(&self) -> String {
        format!(
            "video_size {}, chunk_size {}, total_chunk_count {} (last chunk {} bytes)",
            self.video_size,
            self.chunk_size,
            self.total_chunk_count,
            self.last_chunk().len()
        )
    }
}

/// TikTok's example chunk size, the first fallback when a multi-chunk init is refused (§6).
pub const EXAMPLE_CHUNK: u64 = 10_000_000;

/// The plans Cast tries, in order, for a video TikTok may refuse to take in several chunks
/// ("The chunk size is invalid", contract §6): the configured chunk size, then TikTok's example
/// of 10,000,000 bytes, then the fewest chunks the rules allow (`min(64,000,000, size / 2)`: at
/// least 2 chunks, the last under 128,000,000 bytes). A size already in the list is skipped, and
/// so is one that makes no valid plan. A video of at most 64,000,000 bytes has one plan: whole.
pub fn fallback_plans(video_size: u64, configured_chunk_size: u64) -> Vec<ChunkPlan> {
    let mut plans: Vec<ChunkPlan> = Vec::new();
    if video_size <= MAX_CHUNK {
        return ChunkPlan::new(video_size, configured_chunk_size)
            .into_iter()
            .collect();
    }
    for chunk_size in [
        configured_chunk_size,
        EXAMPLE_CHUNK,
        MAX_CHUNK.min(video_size / 2),
    ] {
        if plans.iter().any(|p| p.chunk_size == chunk_size) {
            continue;
        }
        if let Ok(plan) = ChunkPlan::new(video_size, chunk_size) {
            plans.push(plan);
        }
    }
    plans
}

/// TikTok's arithmetic (count = floor(size / chunk), the remainder rides on the last chunk) and
/// its count and last-chunk limits, apart from the chunk size bounds so tests can reach every
/// limit.
fn split(video_size: u64, chunk_size: u64) -> Result<ChunkPlan, ChunkPlanError> {
    // A zero chunk size would be infinitely many chunks.
    let count = video_size.checked_div(chunk_size).unwrap_or(u64::MAX);
    if count < 2 {
        return Err(ChunkPlanError::TooFewChunks {
            video_size,
            chunk_size,
        });
    }
    let total_chunk_count = u32::try_from(count)
        .ok()
        .filter(|&c| c <= MAX_CHUNKS)
        .ok_or(ChunkPlanError::TooManyChunks {
            video_size,
            chunk_size,
            count,
        })?;
    let last = video_size - (count - 1) * chunk_size;
    if last > MAX_LAST_CHUNK {
        return Err(ChunkPlanError::LastChunkTooLarge {
            video_size,
            chunk_size,
            last,
        });
    }
    Ok(ChunkPlan {
        video_size,
        chunk_size,
        total_chunk_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(size: u64, chunk: u64) -> ChunkPlan {
        ChunkPlan::new(size, chunk).unwrap_or_else(|e| panic!("{size} / {chunk}: {e}"))
    }

    /// TikTok's rules, checked on the chunks themselves rather than on the plan's fields.
    fn assert_follows_tiktoks_rules(p: &ChunkPlan) {
        let chunks: Vec<Chunk> = p.chunks().collect();
        assert_eq!(chunks.len(), p.total_chunk_count() as usize);
        assert_eq!(chunks[0].first, 0);
        let last = chunks[chunks.len() - 1];
        assert_eq!(
            last.last,
            p.video_size() - 1,
            "the last chunk ends the file"
        );
        assert_eq!(last, p.last_chunk());
        assert_eq!(
            chunks.iter().map(Chunk::len).sum::<u64>(),
            p.video_size(),
            "every byte once"
        );
        for (i, c) in chunks.iter().enumerate() {
            assert_eq!(c.index as usize, i);
            assert_eq!(Some(*c), p.chunk(c.index));
            assert_eq!(Some(c.first), p.chunk_start(c.index));
        }
        for w in chunks.windows(2) {
            assert_eq!(w[0].last + 1, w[1].first, "in order, no gap, no overlap");
            assert_eq!(
                w[0].len(),
                p.chunk_size(),
                "all but the last are chunk_size"
            );
        }
        if chunks.len() == 1 {
            assert_eq!(p.chunk_size(), p.video_size());
            assert!(p.video_size() <= MAX_CHUNK);
        } else {
            assert!(p.video_size() > MAX_CHUNK, "split only when it must be");
            assert!((MIN_CHUNK..=MAX_CHUNK).contains(&p.chunk_size()));
            assert!((2..=MAX_CHUNKS).contains(&p.total_chunk_count()));
            assert_eq!(
                u64::from(p.total_chunk_count()),
                p.video_size() / p.chunk_size(),
                "count = floor(size / chunk)"
            );
            assert!(last.len() >= p.chunk_size() && last.len() <= MAX_LAST_CHUNK);
        }
    }

    fn sizes(plans: &[ChunkPlan]) -> Vec<(u64, u32)> {
        plans
            .iter()
            .map(|p| (p.chunk_size(), p.total_chunk_count()))
            .collect()
    }

    #[test]
    fn a_whole_file_has_no_other_plan() {
        for size in [1, 64_000_000] {
            assert_eq!(sizes(&fallback_plans(size, MIN_CHUNK)), [(size, 1)]);
        }
        assert!(fallback_plans(0, MIN_CHUNK).is_empty());
    }

    #[test]
    fn fallback_plans_go_configured_then_tiktoks_example_then_fewest_chunks() {
        let size = 64_000_001;
        assert_eq!(
            sizes(&fallback_plans(size, MIN_CHUNK)),
            [(MIN_CHUNK, 12), (10_000_000, 6), (32_000_000, 2)]
        );
        // Half the video passes 64,000,000 from 128,000,002 bytes on: the largest chunk then.
        assert_eq!(
            sizes(&fallback_plans(128_000_001, MIN_CHUNK)),
            [(MIN_CHUNK, 24), (10_000_000, 12), (64_000_000, 2)]
        );
        assert_eq!(
            sizes(&fallback_plans(MAX_VIDEO, MIN_CHUNK)),
            [(MIN_CHUNK, 762), (10_000_000, 400), (64_000_000, 62)]
        );
        for p in fallback_plans(128_000_001, MIN_CHUNK) {
            assert_follows_tiktoks_rules(&p);
        }
    }

    #[test]
    fn a_size_already_tried_is_skipped() {
        assert_eq!(
            sizes(&fallback_plans(64_000_001, 10_000_000)),
            [(10_000_000, 6), (32_000_000, 2)]
        );
        assert_eq!(
            sizes(&fallback_plans(200_000_000, MAX_CHUNK)),
            [(MAX_CHUNK, 3), (10_000_000, 20)]
        );
    }

    #[test]
    fn chunk_size_setting_bounds() {
        for (n, fine) in [
            (0, false),
            (5_242_879, false),
            (5_242_880, true),
            (10_000_000, true),
            (64_000_000, true),
            (64_000_001, false),
            (u64::MAX, false),
        ] {
            let want = if fine {
                Ok(n)
            } else {
                Err(ChunkPlanError::BadChunkSize(n))
            };
            assert_eq!(validate_chunk_size(n), want, "{n}");
        }
    }

    #[test]
    fn an_empty_or_oversized_video_has_no_plan() {
        assert_eq!(ChunkPlan::new(0, MIN_CHUNK), Err(ChunkPlanError::Empty));
        assert_eq!(
            ChunkPlan::new(MAX_VIDEO + 1, MIN_CHUNK),
            Err(ChunkPlanError::TooLarge(MAX_VIDEO + 1))
        );
        assert_eq!(
            ChunkPlan::new(u64::MAX, MIN_CHUNK),
            Err(ChunkPlanError::TooLarge(u64::MAX))
        );
    }

    #[test]
    fn up_to_64_000_000_bytes_goes_whole_whatever_the_setting() {
        for size in [1, 5_242_879, 5_242_880, 50_000_123, 63_999_999, 64_000_000] {
            // Even a chunk size that is not a valid setting: it is not used.
            for configured in [MIN_CHUNK, 10_000_000, MAX_CHUNK, 0, size] {
                let p = plan(size, configured);
                assert_eq!((p.total_chunk_count(), p.chunk_size()), (1, size));
                assert_follows_tiktoks_rules(&p);
            }
        }
    }

    #[test]
    fn the_contracts_example_is_tiktoks_arithmetic() {
        // 50,000,123 bytes in 10,000,000-byte chunks: 5 chunks, the last 10,000,123 bytes.
        let p = split(50_000_123, 10_000_000).expect("plannable");
        let ranges: Vec<(u64, u64)> = p.chunks().map(|c| (c.first, c.last)).collect();
        assert_eq!(
            ranges,
            [
                (0, 9_999_999),
                (10_000_000, 19_999_999),
                (20_000_000, 29_999_999),
                (30_000_000, 39_999_999),
                (40_000_000, 50_000_122),
            ]
        );
        assert_eq!(p.last_chunk().len(), 10_000_123);
        // Cast itself sends that file whole: it is under 64,000,000 bytes (contract §11).
        assert_eq!(plan(50_000_123, 10_000_000).total_chunk_count(), 1);
        // And the same arithmetic once Cast does split.
        let p = plan(150_000_123, 10_000_000);
        assert_eq!(p.total_chunk_count(), 15);
        assert_eq!(p.last_chunk().len(), 10_000_123);
        assert_follows_tiktoks_rules(&p);
    }

    #[test]
    fn one_byte_over_64_000_000_is_split() {
        let p = plan(64_000_001, MIN_CHUNK);
        assert_eq!(p.chunk_size(), MIN_CHUNK);
        assert_eq!(p.total_chunk_count(), 12);
        assert_eq!(p.last_chunk().len(), 64_000_001 - 11 * MIN_CHUNK);
        assert_follows_tiktoks_rules(&p);
        let p = plan(64_000_001, 32_000_000);
        assert_eq!(p.total_chunk_count(), 2);
        assert_eq!(p.last_chunk().len(), 32_000_001);
        assert_follows_tiktoks_rules(&p);
    }

    #[test]
    fn a_chunk_size_over_half_the_video_is_refused_not_sent_as_one_chunk() {
        for (size, chunk) in [
            (64_000_001, 32_000_001),
            (64_000_001, MAX_CHUNK),
            (127_999_999, MAX_CHUNK),
        ] {
            let e = ChunkPlan::new(size, chunk).expect_err("one chunk");
            assert_eq!(
                e,
                ChunkPlanError::TooFewChunks {
                    video_size: size,
                    chunk_size: chunk
                }
            );
            assert!(
                e.to_string().contains(&format!("at most {}", size / 2)),
                "{e}"
            );
            // The suggested size does work.
            assert_follows_tiktoks_rules(&plan(size, (size / 2).max(MIN_CHUNK)));
        }
        let p = plan(128_000_000, MAX_CHUNK);
        assert_eq!(
            (p.total_chunk_count(), p.last_chunk().len()),
            (2, MAX_CHUNK)
        );
        assert_follows_tiktoks_rules(&p);
    }

    #[test]
    fn a_bad_chunk_size_is_refused_only_when_the_video_needs_chunks() {
        for bad in [0, 5_242_879, 64_000_001] {
            assert_eq!(
                ChunkPlan::new(64_000_001, bad),
                Err(ChunkPlanError::BadChunkSize(bad))
            );
        }
    }

    #[test]
    fn the_largest_video_fits_every_valid_chunk_size() {
        // Smallest chunks: 762, far from 1000; the last is 10,168,320 bytes.
        let p = plan(MAX_VIDEO, MIN_CHUNK);
        assert_eq!(p.total_chunk_count(), 762);
        assert_eq!(p.last_chunk().len(), 10_168_320);
        assert_follows_tiktoks_rules(&p);
        // Largest chunks: 62, the last 96,000,000 bytes, under 128,000,000.
        let p = plan(MAX_VIDEO, MAX_CHUNK);
        assert_eq!(p.total_chunk_count(), 62);
        assert_eq!(p.last_chunk().len(), 96_000_000);
        assert_follows_tiktoks_rules(&p);
    }

    #[test]
    fn the_1000_chunk_limit() {
        // Only reachable below the valid chunk sizes, so through TikTok's arithmetic directly.
        let p = split(4_000_000_000, 4_000_000).expect("exactly 1000");
        assert_eq!(p.total_chunk_count(), 1000);
        assert_eq!(p.last_chunk().len(), 4_000_000);
        let p = split(4_003_999_999, 4_000_000).expect("1000, remainder on the last");
        assert_eq!(p.total_chunk_count(), 1000);
        assert_eq!(p.last_chunk().len(), 7_999_999);
        assert_eq!(
            split(4_004_000_000, 4_000_000),
            Err(ChunkPlanError::TooManyChunks {
                video_size: 4_004_000_000,
                chunk_size: 4_000_000,
                count: 1001
            })
        );
        for (size, chunk) in [(u64::MAX, 1), (1_000, 0)] {
            assert!(matches!(
                split(size, chunk),
                Err(ChunkPlanError::TooManyChunks { .. })
            ));
        }
    }

    #[test]
    fn the_last_chunk_limit_of_128_000_000() {
        // Only reachable above the valid chunk sizes: with chunks of at most 64,000,000 the
        // last is always under 128,000,000.
        let p = split(228_000_000, 100_000_000).expect("last exactly 128,000,000");
        assert_eq!(p.last_chunk().len(), MAX_LAST_CHUNK);
        assert_eq!(
            split(228_000_001, 100_000_000),
            Err(ChunkPlanError::LastChunkTooLarge {
                video_size: 228_000_001,
                chunk_size: 100_000_000,
                last: 128_000_001
            })
        );
        let worst = plan(2 * MAX_CHUNK + MAX_CHUNK - 1, MAX_CHUNK);
        assert_eq!(worst.last_chunk().len(), 2 * MAX_CHUNK - 1);
    }

    #[test]
    fn every_valid_setting_plans_every_size_by_tiktoks_rules() {
        // A deterministic spread of sizes and settings, plus the boundaries around each.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut settings = vec![
            MIN_CHUNK,
            MIN_CHUNK + 1,
            10_000_000,
            10_485_760,
            MAX_CHUNK - 1,
            MAX_CHUNK,
        ];
        settings.extend((0..20).map(|_| MIN_CHUNK + next() % (MAX_CHUNK - MIN_CHUNK + 1)));
        for chunk in settings {
            let mut sizes = vec![
                1,
                MAX_CHUNK,
                MAX_CHUNK + 1,
                2 * chunk - 1,
                2 * chunk,
                2 * chunk + 1,
                MAX_VIDEO - 1,
                MAX_VIDEO,
            ];
            sizes.extend((0..200).map(|_| 1 + next() % MAX_VIDEO));
            for size in sizes {
                match ChunkPlan::new(size, chunk) {
                    Ok(p) => assert_follows_tiktoks_rules(&p),
                    Err(ChunkPlanError::TooFewChunks { .. }) => {
                        assert!(size > MAX_CHUNK && size / chunk < 2, "{size} / {chunk}");
                    }
                    Err(e) => panic!("{size} / {chunk}: {e}"),
                }
            }
        }
    }

    #[test]
    fn resuming_finds_the_chunk_holding_an_offset() {
        let p = plan(150_000_123, 10_000_000);
        for (offset, index) in [
            (0, Some(0)),
            (9_999_999, Some(0)),
            (10_000_000, Some(1)),
            (139_999_999, Some(13)),
            (140_000_000, Some(14)),
            // The remainder past the last full chunk_size belongs to the last chunk.
            (150_000_000, Some(14)),
            (150_000_122, Some(14)),
            (150_000_123, None),
            (u64::MAX, None),
        ] {
            assert_eq!(p.chunk_containing(offset), index, "{offset}");
        }
        assert_eq!(p.chunk_start(0), Some(0));
        assert_eq!(p.chunk_start(14), Some(140_000_000));
        assert_eq!(p.chunk_start(15), None);
        assert_eq!(p.chunk(15), None);
        let whole = plan(1_000, MIN_CHUNK);
        assert_eq!(whole.chunk_containing(0), Some(0));
        assert_eq!(whole.chunk_containing(999), Some(0));
        assert_eq!(whole.chunk_containing(1_000), None);
    }

    #[test]
    fn describe_names_what_init_declared() {
        assert_eq!(
            plan(150_000_123, 10_000_000).describe(),
            "video_size 150000123, chunk_size 10000000, total_chunk_count 15 (last chunk 10000123 bytes)"
        );
    }
}
