package ratelimit

// DiscordRoute is route, for the external tests.
var DiscordRoute = route
