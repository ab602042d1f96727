// Package delivery is the platform-neutral pipeline between a chat
// platform's request and the platform calls that answer it, written once
// for every adapter and the scheduler (as Alertmanager's notify stage wraps
// its integrations):
//
//   - Inbox: every verified inbound item is committed (group-committed:
//     concurrent requests share one fsync) before the platform is
//     acknowledged, and removed only once its work is done; at start what a
//     previous run left is done. Bounded: past its limit a new item is
//     refused (ErrBusy) with nothing stored.
//   - Queue: work runs in order per learner, with bounded concurrency
//     across learners; at shutdown running work gets a grace period and
//     work not started stays in the inbox.
//   - Policy: the one retry policy (backoff, rate-limit waits, attempts)
//     with an injectable clock; Permanent is the one "no retry will fix
//     this" error; RateLimited carries a platform's Retry-After.
//   - Key: the one idempotency key, chosen by the caller (an inbox item, a
//     scheduler run and recipient) and carried in the context down to the
//     platform (Slack message metadata, Discord nonce).
//
// Adapters keep only their wire calls. See docs/delivery.md.
package delivery
