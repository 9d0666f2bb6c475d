# Build stage: the release binary (SQLite is bundled; PostgreSQL uses libpq)
# and the browser app (wasm32, wasm-bindgen, wasm-opt from npm's binaryen).
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock rustfmt.toml ./
COPY .cargo .cargo
COPY crates crates
COPY frontend frontend
COPY tests tests
COPY api-spec api-spec
RUN cargo build --release --locked -p adminlog-server --bin adminlog
RUN cargo xtask bundle

# Run stage: the binary and libpq, as an unprivileged user.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/adminlog /usr/local/bin/adminlog
COPY --from=build /src/frontend/dist /usr/share/adminlog/app
# Where the checkpoint signing key lives (a volume in docker-compose.yml).
RUN mkdir /keys && chown 65534:65534 /keys
USER 65534:65534
ENV ADMINLOG_BIND=0.0.0.0:8080 \
    ADMINLOG_STATIC_DIR=/usr/share/adminlog/app \
    ADMINLOG_SIGNING_KEY_FILE=/keys/signing.key
EXPOSE 8080
ENTRYPOINT ["adminlog"]
CMD ["serve"]
