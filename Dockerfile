# syntax=docker/dockerfile:1
# Build: docker build -t coursebot .
# Run:   docker run --read-only -v coursebot-data:/data -p 8080:8080 --stop-timeout 30 \
#          -v $PWD/config.yaml:/etc/coursebot/config.yaml:ro -e SLACK_BOT_TOKEN ... coursebot
# See docs/operations.md: one replica per database file, backups, upgrades.

FROM golang:1.26.10 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# A static binary: no cgo; the zone database is embedded (time/tzdata).
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/coursebot ./cmd/coursebot \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/coursebot /coursebot
COPY config.example.yaml /etc/coursebot/config.yaml
# /data belongs to the nonroot user (65532) so a new volume is writable.
COPY --from=build --chown=65532:65532 /out/data /data
# Numeric, so runtimes that check for a non-root user can tell. Everything
# outside /data is root's and read-only to it (run with --read-only).
USER 65532:65532
VOLUME /data
WORKDIR /data
EXPOSE 8080
ENTRYPOINT ["/coursebot"]
CMD ["serve", "--config", "/etc/coursebot/config.yaml"]
