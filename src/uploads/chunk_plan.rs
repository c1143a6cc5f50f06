// placeholder: being written
pub const MIN_CHUNK: u64 = 5_242_880;
pub fn validate_chunk_size(n: u64) -> Result<u64, String> {
    if (MIN_CHUNK..=64_000_000).contains(&n) {
        Ok(n)
    } else {
        Err(format!("{n} is outside 5242880..=64000000"))
    }
}
