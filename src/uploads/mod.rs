pub mod chunk_plan;
