package lessons

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/coursebot/coursebot/bot"
)

// Engine runs lessons: it turns a learner's command, button press or text
// into replies and writes the learner's state to the Store before replying.
// It never knows which platform it talks to.
type Engine struct {
	course *Course
	store  Store
	now    func() time.Time
	log    *slog.Logger
}

// EngineOptions are the engine's injected dependencies.
type EngineOptions struct {
	Now func() time.Time // defaults to time.Now
	Log *slog.Logger     // defaults to slog.Default()
}

// NewEngine returns an engine for course over store.
func NewEngine(course *Course, store Store, opts EngineOptions) *Engine {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Engine{course: course, store: store, now: opts.Now, log: opts.Log}
}

var _ bot.Handler = (*Engine)(nil)

// Handle implements bot.Handler.
func (e *Engine) Handle(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	return nil, errors.New("engine: not implemented yet")
}
