package workorder

import (
	"errors"
	"slices"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Facts are what the rules need to know beyond the order itself: what
// other aggregates recorded on it.
type Facts struct {
	// Installed are the vehicles of the order with an installation recorded.
	Installed []uuid.UUID
}

// factsOf reads the facts from the units installed and swapped on an order.
func factsOf(work []UnitWork) Facts {
	var f Facts
	for _, w := range work {
		if w.Install {
			f.Installed = append(f.Installed, w.VehicleID)
		}
	}
	return f
}

// errStateDisallows marks a refusal by state; Can turns it into the 409
// that names the state and what the caller may do instead.
var errStateDisallows = errors.New("the order's state disallows the action")

// rule is the one rule for who may do what to an order now. The service
// authorizes every transition with it, and AllowedActions lists what it
// admits, so the two can't drift. It assumes the order is visible to the
// actor. It answers nil, a 403 when the actor's role (or relation to the
// order) doesn't allow the command, errStateDisallows, or a 409 when the
// facts don't allow it yet.
func rule(a domain.Actor, o Order, f Facts, c Command) error {
	if !mayAct(a, o, c) {
		return domain.Forbidden("your role may not %s this work order", c.Action)
	}
	if !stateAllows(o, c.Action) {
		return errStateDisallows
	}
	if c.Action == Complete && o.Type == Install {
		for _, v := range o.VehicleIDs {
			if !slices.Contains(f.Installed, v) {
				return domain.Conflict("vehicle %s has no installation recorded; record one for every vehicle before completing", v)
			}
		}
	}
	return nil
}

// Can reports whether the actor may take the action on a visible order now:
// nil, a 403 by role, or a 409 by state (naming the state and the actor's
// allowed actions) or by what is still missing. An assignment to a
// contractor is narrower still; Transition judges the whole command.
func Can(a domain.Actor, o Order, f Facts, act Action) error {
	return judge(a, o, f, Command{Action: act})
}

// judge is rule with the state's 409 spelled out.
func judge(a domain.Actor, o Order, f Facts, c Command) error {
	err := rule(a, o, f, c)
	if errors.Is(err, errStateDisallows) {
		return stateConflict(o, string(c.Action), AllowedActions(a, o, f))
	}
	return err
}

// AllowedActions are the actions the actor may take on a visible order now:
// exactly those that Can allows.
func AllowedActions(a domain.Actor, o Order, f Facts) []Action {
	out := []Action{}
	for _, act := range Actions {
		if rule(a, o, f, Command{Action: act}) == nil {
			out = append(out, act)
		}
	}
	return out
}
