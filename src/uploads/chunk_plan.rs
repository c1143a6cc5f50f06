//! How a video is cut into chunks for TikTok's FILE_UPLOAD (contract §6 and §11): one pure function
//! of the file's size and the configured chunk size, so init and every PUT agree.

/// Bounds that hold under both readings of TikTok's "MB" (10^6 or 2^20 bytes).
pub const MIN_CHUNK: u64 = 5_242_880;
pub const MAX_CHUNK: u64 = 64_000_000;
pub const MAX_LAST_CHUNK: u64 = 128_000_000;
pub const MAX_VIDEO: u64 = 4_000_000_000;
pub const MAX_CHUNKS: u64 = 1000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChunkPlanError {
    #[error("the video is empty")]
    Empty,
    #[error("the video is {0} bytes; TikTok takes at most 4,000,000,000")]
    TooLarge(u64),
    #[error("{0} bytes is outside TikTok's chunk sizes (5242880 to 64000000)")]
    BadChunkSize(u64),
    #[error(
        "with chunks of {chunk_size} bytes this video would need more than 1000 chunks or a last chunk over 128,000,000 bytes; set a larger TIKTOK_CHUNK_SIZE"
    )]
    Unplannable { chunk_size: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    pub index: u32,
    pub first: u64,
    /// Inclusive, as in `Content-Range`.
    pub last: u64,
}

impl Chunk {
    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkPlan {
    video_size: u64,
    chunk_size: u64,
    total_chunk_count: u32,
}

pub fn validate_chunk_size(n: u64) -> Result<u64, ChunkPlanError> {
    if (MIN_CHUNK..=MAX_CHUNK).contains(&n) {
        Ok(n)
    } else {
        Err(ChunkPlanError::BadChunkSize(n))
    }
}

impl ChunkPlan {
    pub fn new(video_size: u64, configured_chunk_size: u64) -> Result<Self, ChunkPlanError> {
        if video_size == 0 {
            return Err(ChunkPlanError::Empty);
        }
        if video_size > MAX_VIDEO {
            return Err(ChunkPlanError::TooLarge(video_size));
        }
        // Up to 64,000,000 bytes TikTok takes the file whole, under both readings of "MB".
        if video_size <= MAX_CHUNK {
            return Ok(Self {
                video_size,
                chunk_size: video_size,
                total_chunk_count: 1,
            });
        }
        let chunk_size = validate_chunk_size(configured_chunk_size)?;
        // TikTok: count = floor(size / chunk); the remainder rides on the last chunk.
        let count = video_size / chunk_size;
        let last = video_size - (count - 1) * chunk_size;
        if count > MAX_CHUNKS || last > MAX_LAST_CHUNK {
            return Err(ChunkPlanError::Unplannable { chunk_size });
        }
        // count >= 2 here: video_size > 64,000,000 >= chunk_size, and count <= 1000 fits in u32.
        Ok(Self {
            video_size,
            chunk_size,
            total_chunk_count: count as u32,
        })
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
        if index >= self.total_chunk_count {
            return None;
        }
        let first = u64::from(index) * self.chunk_size;
        let last = if index + 1 == self.total_chunk_count {
            self.video_size - 1
        } else {
            first + self.chunk_size - 1
        };
        Some(Chunk { index, first, last })
    }

    pub fn chunks(&self) -> impl Iterator<Item = Chunk> + '_ {
        (0..self.total_chunk_count).filter_map(|i| self.chunk(i))
    }

    /// The chunk holding byte `offset`: where to resume once `offset` bytes were acknowledged.
    pub fn chunk_containing(&self, offset: u64) -> Option<u32> {
        if offset >= self.video_size {
            return None;
        }
        Some(((offset / self.chunk_size) as u32).min(self.total_chunk_count - 1))
    }

    /// What init declared, for error messages: "5 chunks of 10000000 bytes (last 10000123)".
    pub fn describe(&self) -> String {
        let last = self
            .chunk(self.total_chunk_count - 1)
            .map(|c| c.len())
            .unwrap_or(0);
        format!(
            "video_size {}, chunk_size {}, total_chunk_count {} (last chunk {} bytes)",
            self.video_size, self.chunk_size, self.total_chunk_count, last
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(size: u64, chunk: u64) -> ChunkPlan {
        ChunkPlan::new(size, chunk).expect("plannable")
    }

    fn covers_exactly(p: &ChunkPlan) {
        let chunks: Vec<Chunk> = p.chunks().collect();
        assert_eq!(chunks.len() as u32, p.total_chunk_count());
        assert_eq!(chunks[0].first, 0);
        for w in chunks.windows(2) {
            assert_eq!(w[0].last + 1, w[1].first, "no gap, no overlap");
            assert_eq!(
                w[0].len(),
                p.chunk_size(),
                "every chunk but the last is chunk_size"
            );
        }
        let last = chunks.last().expect("a chunk");
        assert_eq!(last.last, p.video_size() - 1);
        assert!(last.len() >= p.chunk_size().min(p.video_size()) && last.len() <= MAX_LAST_CHUNK);
    }

    #[test]
    fn the_contracts_example() {
        let p = plan(50_000_123, 10_000_000);
        // Under 64 MB it goes whole; the contract's example is about chunking rules, so check a bigger one too.
        assert_eq!((p.total_chunk_count(), p.chunk_size()), (1, 50_000_123));
        let p = plan(150_000_123, 10_000_000);
        assert_eq!(p.total_chunk_count(), 15);
        assert_eq!(p.chunk(14).expect("last").len(), 10_000_123);
        covers_exactly(&p);
    }

    #[test]
    fn small_files_go_whole_up_to_64_000_000_bytes() {
        for size in [1, 5_242_879, 5_242_880, 63_999_999, 64_000_000] {
            let p = plan(size, MIN_CHUNK);
            assert_eq!((p.total_chunk_count(), p.chunk_size()), (1, size));
            covers_exactly(&p);
        }
    }

    #[test]
    fn just_over_64_000_000_bytes_is_split() {
        let p = plan(64_000_001, MIN_CHUNK);
        assert_eq!(p.chunk_size(), MIN_CHUNK);
        assert_eq!(p.total_chunk_count(), 12);
        covers_exactly(&p);
        let p = plan(64_000_001, MAX_CHUNK);
        assert_eq!(
            p.total_chunk_count(),
            1,
            "floor(64,000,001 / 64,000,000) = 1 chunk of 64,000,001 bytes"
        );
        covers_exactly(&p);
    }

    #[test]
    fn chunk_size_bounds() {
        assert_eq!(
            validate_chunk_size(5_242_879),
            Err(ChunkPlanError::BadChunkSize(5_242_879))
        );
        assert_eq!(validate_chunk_size(5_242_880), Ok(5_242_880));
        assert_eq!(validate_chunk_size(64_000_000), Ok(64_000_000));
        assert_eq!(
            validate_chunk_size(64_000_001),
            Err(ChunkPlanError::BadChunkSize(64_000_001))
        );
    }

    #[test]
    fn at_most_1000_chunks_and_a_last_chunk_of_128_000_000() {
        // The largest file in the smallest chunks: 762 chunks, so the 1000-chunk cap cannot bind within 4 GB.
        let p = plan(MAX_VIDEO, MIN_CHUNK);
        assert_eq!(p.total_chunk_count(), 762);
        covers_exactly(&p);
        // With 64,000,000-byte chunks the largest file is 4 GB: 62 chunks, last 32,000,000 bytes.
        let p = plan(MAX_VIDEO, MAX_CHUNK);
        assert_eq!(p.total_chunk_count(), 62);
        covers_exactly(&p);
        assert_eq!(
            ChunkPlan::new(MAX_VIDEO + 1, MAX_CHUNK),
            Err(ChunkPlanError::TooLarge(MAX_VIDEO + 1))
        );
        assert_eq!(ChunkPlan::new(0, MIN_CHUNK), Err(ChunkPlanError::Empty));
    }

    #[test]
    fn resuming_finds_the_chunk_holding_an_offset() {
        let p = plan(150_000_123, 10_000_000);
        assert_eq!(p.chunk_containing(0), Some(0));
        assert_eq!(p.chunk_containing(10_000_000), Some(1));
        assert_eq!(
            p.chunk_containing(149_999_999),
            Some(14),
            "the remainder belongs to the last chunk"
        );
        assert_eq!(p.chunk_containing(150_000_123), None);
    }
}
