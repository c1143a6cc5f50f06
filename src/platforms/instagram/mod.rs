//! Instagram (Instagram API with Instagram Login): the contract is `shared/instagram-api.md`.
