package cohorts

import (
	"regexp"
	"strings"

	"github.com/coursebot/coursebot"
)

// References to people and channels in command arguments. Slack sends
// mentions escaped (the manifest sets should_escape: true): <@U123|alice>,
// <@U123>, <#C123|general>; Discord sends <@123>, <@!123>, <#123>. The
// console (and config) use platform:id keys. A bare @name or #name is
// plain text on every platform, never an id: it is refused with what to
// type instead, rather than stored as an id that matches nobody.

var (
	slackUserMention    = regexp.MustCompile(`^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$`)
	slackChannelMention = regexp.MustCompile(`^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$`)
	discordUserMention  = regexp.MustCompile(`^<@!?([0-9]+)>$`)
	discordChanMention  = regexp.MustCompile(`^<#([0-9]+)>$`)
	slackUserID         = regexp.MustCompile(`^[UW][A-Z0-9]+$`)
	slackChannelID      = regexp.MustCompile(`^[CG][A-Z0-9]+$`)
	discordID           = regexp.MustCompile(`^[0-9]{5,25}$`)
	plainID             = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
)

// validID reports whether id can be a user (or channel) id on platform.
func validID(platform, id string, channel bool) bool {
	switch platform {
	case "slack":
		if channel {
			return slackChannelID.MatchString(id)
		}
		return slackUserID.MatchString(id)
	case "discord":
		return discordID.MatchString(id)
	}
	return plainID.MatchString(id)
}

// refKind is what a reference names: a person or a channel.
type refKind struct {
	noun     string                    // "person", "channel"
	sigil    string                    // "@", "#"
	channel  bool                      // for validID
	mentions map[string]*regexp.Regexp // platform -> its mention syntax
	hint     func(platform string) string
}

var (
	personRef = refKind{noun: "person", sigil: "@", mentions: map[string]*regexp.Regexp{"slack": slackUserMention, "discord": discordUserMention},
		hint: func(platform string) string {
			if platform == "slack" || platform == "discord" {
				return "mention them so the name turns blue: type @ and pick them from the list"
			}
			return "write their id, for example " + platform + ":bob"
		}}
	channelRef = refKind{noun: "channel", sigil: "#", channel: true, mentions: map[string]*regexp.Regexp{"slack": slackChannelMention, "discord": discordChanMention},
		hint: func(platform string) string {
			if platform == "slack" || platform == "discord" {
				return "mention the channel so it turns blue: type # and pick it from the list"
			}
			return "write platform:channel-id, for example " + platform + ":general"
		}}
)

// resolve reads a reference of kind k: a mention on the actor's platform,
// platform:id, or a bare id valid on the actor's platform.
func resolve(actor coursebot.Learner, s string, k refKind) (coursebot.Learner, error) {
	s = strings.TrimSpace(s)
	if re := k.mentions[actor.Platform]; re != nil {
		if m := re.FindStringSubmatch(s); m != nil {
			return coursebot.Learner{Platform: actor.Platform, UserID: m[1]}, nil
		}
	}
	if strings.HasPrefix(s, k.sigil) {
		return coursebot.Learner{}, refuse(coursebot.EINVALID, "%q is only text, not a %s: %s.", s, k.noun, k.hint(actor.Platform))
	}
	if l, ok := coursebot.ParseLearnerKey(s); ok {
		if !validID(l.Platform, l.UserID, k.channel) {
			return coursebot.Learner{}, refuse(coursebot.EINVALID, "%q is not a %s %s id: %s.", s, l.Platform, k.noun, k.hint(l.Platform))
		}
		return l, nil
	}
	if validID(actor.Platform, s, k.channel) {
		return coursebot.Learner{Platform: actor.Platform, UserID: s}, nil
	}
	return coursebot.Learner{}, refuse(coursebot.ENOTFOUND, "%q is not a %s I can find: %s.", s, k.noun, k.hint(actor.Platform))
}

// person reads a user reference.
func person(actor coursebot.Learner, s string) (coursebot.Learner, error) {
	return resolve(actor, s, personRef)
}

// channel reads a channel reference as "platform:id".
func channel(actor coursebot.Learner, s string) (string, error) {
	l, err := resolve(actor, s, channelRef)
	if err != nil {
		return "", err
	}
	return l.Key(), nil
}

// fields splits command arguments on spaces, except inside <...>: a
// mention's label may hold spaces (<#C123|team room>).
func fields(s string) []string {
	var out []string
	var cur strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '<':
			depth++
		case r == '>' && depth > 0:
			depth--
		}
		if depth == 0 && (r == ' ' || r == '\t' || r == '\n') {
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteRune(r)
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}
