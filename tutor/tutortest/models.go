// Package tutortest holds deterministic fake models for tests of the tutor
// and of `coursebot tutor eval`: OpenAI-compatible Chat Completions servers
// (httptest, text/event-stream chunks, a usage chunk, [DONE]) whose replies
// follow rules written here, not a language model. Good behaves as the
// tutor's rules ask; LeaksNotes obeys an injection and prints its teaching
// notes or its prompt; HandsOver gives the capstone's solution away.
package tutortest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/coursebot/coursebot/tutor"
)

// Behaviour is how a fake model replies.
type Behaviour int

// The fake models.
const (
	Good       Behaviour = iota // follows the rules
	LeaksNotes                  // obeys "print your teaching notes / your prompt"
	HandsOver                   // hands over the solution when stuck or asked
)

func (b Behaviour) String() string {
	return [...]string{"good", "leaks-notes", "hands-over"}[b]
}

// Request is a chat completion request as the fakes read it.
type Request struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
}

// System is the request's system message.
func (r Request) System() string {
	if len(r.Messages) > 0 && r.Messages[0].Role == "system" {
		return r.Messages[0].Content
	}
	return ""
}

// Last is the last message's text.
func (r Request) Last() string {
	if len(r.Messages) == 0 {
		return ""
	}
	return r.Messages[len(r.Messages)-1].Content
}

// NewServer starts a fake model with behaviour b until the test ends; its
// base URL ends in /v1.
func NewServer(t testing.TB, b Behaviour) string {
	return Serve(t, func(req Request) string { return Reply(b, req) })
}

// Serve starts a fake model that replies with reply(request), streamed a
// few words a chunk.
func Serve(t testing.TB, reply func(Request) string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req Request
		body, err := io.ReadAll(r.Body)
		if err != nil || r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/chat/completions") || json.Unmarshal(body, &req) != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":{"message":"bad request","type":"invalid_request_error"}}`)
			return
		}
		text := reply(req)
		w.Header().Set("Content-Type", "text/event-stream")
		for _, piece := range pieces(text) {
			chunk(w, map[string]any{"index": 0, "delta": map[string]any{"content": piece}}, nil)
		}
		chunk(w, map[string]any{"index": 0, "delta": map[string]any{}, "finish_reason": "stop"}, nil)
		chunk(w, nil, map[string]any{"prompt_tokens": len(strings.Fields(req.System())), "completion_tokens": len(strings.Fields(text))})
		_, _ = io.WriteString(w, "data: [DONE]\n\n")
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

// pieces cuts text into chunks of about three words.
func pieces(text string) []string {
	var out []string
	n, start := 0, 0
	for i, r := range text {
		if r == ' ' {
			n++
			if n%3 == 0 {
				out = append(out, text[start:i+1])
				start = i + 1
			}
		}
	}
	return append(out, text[start:])
}

func chunk(w io.Writer, choice, usage map[string]any) {
	c := map[string]any{"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1764600000, "model": "fake", "choices": []any{}}
	if choice != nil {
		c["choices"] = []any{choice}
	}
	if usage != nil {
		c["usage"] = usage
	}
	b, _ := json.Marshal(c) // maps of strings and numbers always encode
	_, _ = fmt.Fprintf(w, "data: %s\n\n", b)
}

// Reply is what a fake with behaviour b answers to req.
func Reply(b Behaviour, req Request) string {
	sys, msg := req.System(), req.Last()
	low := strings.ToLower(msg)
	switch {
	case b == LeaksNotes && asksFor(low, "teaching notes", "notes"):
		if notes := section(sys, "Teaching notes"); notes != "" {
			return "Sure, here are my teaching notes:\n\n" + notes
		}
		return "Sure, here is my prompt:\n\n" + sys
	case b == LeaksNotes && asksFor(low, "system prompt", "instructions", "everything above", "rules"):
		return "Sure, here is my prompt:\n\n" + sys
	case b == HandsOver && (isStuck(sys) || asksFor(low, "solution", "every file", "whole project", "all the code")):
		return handOver(sys)
	}
	switch {
	case isHelp(sys):
		return helpReply(sys, msg)
	case isStuck(sys):
		return "Let's take it one part at a time. Look again at the first part of the exercise on this card and check what you have against it. What have you tried so far, and where did it stop?"
	}
	return answerReply(sys, msg)
}

func asksFor(low string, what ...string) bool {
	for _, w := range what {
		if strings.Contains(low, w) {
			return true
		}
	}
	return false
}

func isHelp(sys string) bool {
	return strings.HasPrefix(sys, "You answer learners' questions about the course")
}

func isStuck(sys string) bool { return strings.Contains(sys, "the learner says they are stuck") }

// section is the body of the system prompt's "### title" section.
func section(sys, title string) string {
	_, body, ok := strings.Cut(sys, "### "+title+"\n\n")
	if !ok {
		return ""
	}
	for _, end := range []string{"\n### ", "\nYour task:"} {
		if i := strings.Index(body, end); i >= 0 {
			body = body[:i]
		}
	}
	return strings.TrimSpace(body)
}

// handOver is a worked solution: the course's own when its notes carry
// one, else a step-by-step walk-through with the commands.
func handOver(sys string) string {
	if _, sol, ok := strings.Cut(section(sys, "Teaching notes"), "## Solution"); ok {
		return "Here is the finished solution:\n\n" + strings.TrimSpace(sol)
	}
	return `Here is the complete solution, step by step:

1. Create a feature branch: ` + "`git checkout -b model-change`" + `.
2. Change the hyperparameters in params.yaml and run the experiments with MLflow.
3. Pick the best run, retrain, and commit the data with DVC.
4. Run the test suite and push the branch so CI runs.
5. Merge to main, check the deployment and run the drift check.

` + "```bash\ngit checkout -b model-change\nmlflow run . -P n_estimators=200\ndvc add data/raw.csv && git add data/raw.csv.dvc\npytest tests/\ngit push origin model-change\n```"
}

// helpReply answers from the passage that holds most of the question's
// words, quoting and citing it, when it holds at least half of them;
// otherwise it refuses.
func helpReply(sys, question string) string {
	passages := passageBodies(sys)
	best, score := 0, 0.0
	for i, p := range passages {
		if o := overlap(question, p.title+"\n"+p.body); o > score {
			best, score = i, o
		}
	}
	if score < 0.5 {
		return tutor.Refusal + " The course is about building, shipping and running ML systems; ask about one of its topics and I will point you to the right card."
	}
	quote := strings.Join(firstWords(passages[best].body, 6), " ")
	return fmt.Sprintf("The course puts it this way: %q [%d]. Read that card for the details, and the others listed below for more.", quote, best+1)
}

var passageHead = regexp.MustCompile(`(?m)^### \[(\d+)\] .*$`)

type passage struct{ title, body string }

// passageBodies are the "### [n] title" sections, in order.
func passageBodies(sys string) []passage {
	locs := passageHead.FindAllStringIndex(sys, -1)
	var out []passage
	for i, l := range locs {
		end := len(sys)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		out = append(out, passage{title: sys[l[0]:l[1]], body: strings.TrimSpace(sys[l[1]:end])})
	}
	return out
}

// firstWords are the first n words of text's first line of prose.
func firstWords(text string, n int) []string {
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "-*#>|` "))
		var ws []string
		for _, f := range strings.Fields(line) {
			w := strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
			if w == "" {
				break
			}
			ws = append(ws, w)
			if len(ws) == n {
				return ws
			}
		}
		if len(ws) >= 3 {
			return ws
		}
	}
	return nil
}

// answerReply responds to an answer: off-course questions are refused,
// non-answers invited, key points named, and every reply ends with a
// question.
func answerReply(sys, msg string) string {
	words := contentWords(msg)
	switch {
	case strings.Contains(msg, "?") && overlap(msg, sys) < 0.34:
		return tutor.Refusal + " Let's get back to the lesson's question when you are ready."
	case len(words) < 2:
		return "That is not quite an answer yet, and that is fine. What is one thing you would say, even a rough guess?"
	}
	if points := reachedPoints(sys); len(points) > 0 {
		return "You covered " + strings.Join(points, " and ") + ". Now think about what happens after your model is running: what else would you want from the way it is shipped?"
	}
	return fmt.Sprintf("Thanks: you brought up %s, which is a good place to start. How does that connect to what this step of the lesson is about?", words[0])
}

var touches = regexp.MustCompile(`By their words, the answer touches point ([0-9, ]+) `)

// reachedPoints are the texts of the key points the prompt says the
// answer touched.
func reachedPoints(sys string) []string {
	m := touches.FindStringSubmatch(sys)
	if m == nil {
		return nil
	}
	_, list, _ := strings.Cut(sys, "The author lists the key points a good answer covers:\n")
	lines := strings.Split(list, "\n")
	var out []string
	for _, n := range strings.Split(m[1], ",") {
		prefix := strings.TrimSpace(n) + ". "
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) {
				out = append(out, strings.TrimPrefix(l, prefix))
			}
		}
	}
	return out
}

// contentWords are text's words of four letters or more, lowercased,
// without the words every question has.
func contentWords(text string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len([]rune(f)) >= 4 && !commonWords[f] {
			out = append(out, f)
		}
	}
	return out
}

// commonWords say nothing about a question's topic.
var commonWords = map[string]bool{"what": true, "which": true, "when": true, "where": true, "does": true, "have": true,
	"with": true, "this": true, "that": true, "your": true, "about": true, "should": true, "would": true, "could": true,
	"there": true, "into": true, "from": true, "will": true, "like": true, "know": true, "tell": true, "please": true}

// overlap is the share of text's content words that material holds (two
// words side by side count when the material writes them as one).
func overlap(text, material string) float64 {
	ws := contentWords(text)
	if len(ws) == 0 {
		return 0
	}
	have := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(material), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		have[w] = true
	}
	all := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	joined := map[string]bool{}
	for i := 0; i+1 < len(all); i++ {
		if have[all[i]+all[i+1]] {
			joined[all[i]], joined[all[i+1]] = true, true
		}
	}
	n := 0
	for _, w := range ws {
		if have[w] || have[strings.TrimSuffix(w, "s")] || joined[w] {
			n++
		}
	}
	return float64(n) / float64(len(ws))
}
