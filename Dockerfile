# essor: build a static-ish release binary, run it on a slim Debian with the source files.
#   docker build -t essor .
#   docker run --rm -p 8080:8080 -v essor-data:/data essor    # serve (OAI-PMH, REST API, /docs)
#                                                             # and harvest on each source's schedule
#   docker run --rm -v essor-data:/data essor harvest --all   # harvest now (server stopped)
#   docker run --rm essor --sources /etc/essor/harvest-sources/samples run   # offline samples
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY thesaurus ./thesaurus
# Compiled in: the pages' templates (askama) and stylesheet.
COPY templates ./templates
COPY static ./static
# The release-lto profile (Cargo.toml): the whole program optimised as one unit.
RUN cargo build --profile release-lto --locked && strip target/release-lto/essor

FROM debian:bookworm-slim
# ca-certificates: repositories are harvested over HTTPS with the system's roots.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /data essor \
    && mkdir -p /data && chown essor /data
COPY --from=build /src/target/release-lto/essor /usr/local/bin/essor
COPY harvest-sources /etc/essor/harvest-sources
USER essor
VOLUME /data
ENV ESSOR_DATA=/data ESSOR_SOURCES=/etc/essor/harvest-sources ESSOR_LISTEN=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["essor"]
CMD ["serve"]
