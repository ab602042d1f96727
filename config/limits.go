package config

import "github.com/coursebot/coursebot/ratelimit"

// SlackLimitsConfig are the Slack workspace's Web API limits the bot paces
// every call by (package ratelimit), in calls a minute: Slack's documented
// figures by default. Raise one only if Slack granted your app more.
type SlackLimitsConfig struct {
	Tier1             int `yaml:"tier1" range:"1,1000000"`
	Tier2             int `yaml:"tier2" range:"1,1000000"`
	Tier3             int `yaml:"tier3" range:"1,1000000"`
	Tier4             int `yaml:"tier4" range:"1,1000000"`
	PostsPerChannel   int `yaml:"posts_per_channel" range:"1,1000000"`
	PostsPerWorkspace int `yaml:"posts_per_workspace" range:"1,10000000"`
	Burst             int `yaml:"burst" range:"1,100000"`
}

// DiscordLimitsConfig is the Discord bot's global REST budget (each
// route's own budget is learned from Discord's answers).
type DiscordLimitsConfig struct {
	GlobalPerSecond int `yaml:"global_per_second" range:"1,100000"`
	Burst           int `yaml:"burst" range:"1,100000"`
}

func defaultSlackLimits() SlackLimitsConfig {
	d := ratelimit.DefaultSlack()
	return SlackLimitsConfig{Tier1: d.Tier1, Tier2: d.Tier2, Tier3: d.Tier3, Tier4: d.Tier4,
		PostsPerChannel: d.PostsPerChannel, PostsPerWorkspace: d.PostsPerWorkspace, Burst: d.Burst}
}

func defaultDiscordLimits() DiscordLimitsConfig {
	d := ratelimit.DefaultDiscord()
	return DiscordLimitsConfig{GlobalPerSecond: d.GlobalPerSecond, Burst: d.Burst}
}

func (c SlackLimitsConfig) RateLimits() ratelimit.SlackLimits {
	return ratelimit.SlackLimits{Tier1: c.Tier1, Tier2: c.Tier2, Tier3: c.Tier3, Tier4: c.Tier4,
		PostsPerChannel: c.PostsPerChannel, PostsPerWorkspace: c.PostsPerWorkspace, Burst: c.Burst}
}

func (c DiscordLimitsConfig) RateLimits() ratelimit.DiscordLimits {
	return ratelimit.DiscordLimits{GlobalPerSecond: c.GlobalPerSecond, Burst: c.Burst}
}
