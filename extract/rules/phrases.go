package rules

// phraseSet finds the longest known phrase starting at each token: a map
// from the first token to the phrases that start with it, longest first.
type phraseSet[V any] struct {
	byFirst map[string][]phrase[V]
}

type phrase[V any] struct {
	tokens []string
	value  V
}

func newPhraseSet[V any]() *phraseSet[V] { return &phraseSet[V]{byFirst: map[string][]phrase[V]{}} }

// add registers a phrase; the first value registered for a phrase wins.
func (p *phraseSet[V]) add(tokens []string, v V) {
	if len(tokens) == 0 {
		return
	}
	list := p.byFirst[tokens[0]]
	for _, ph := range list {
		if equalTokens(ph.tokens, tokens) {
			return
		}
	}
	// Keep longest first so the first hit is the longest match.
	i := len(list)
	for i > 0 && len(list[i-1].tokens) < len(tokens) {
		i--
	}
	list = append(list, phrase[V]{})
	copy(list[i+1:], list[i:])
	list[i] = phrase[V]{tokens: tokens, value: v}
	p.byFirst[tokens[0]] = list
}

// match returns the longest phrase starting at toks[i] and its length.
func (p *phraseSet[V]) match(toks []token, i int) (V, int) {
	for _, ph := range p.byFirst[toks[i].text] {
		if i+len(ph.tokens) > len(toks) {
			continue
		}
		ok := true
		for k := 1; k < len(ph.tokens); k++ {
			if toks[i+k].text != ph.tokens[k] {
				ok = false
				break
			}
		}
		if ok {
			return ph.value, len(ph.tokens)
		}
	}
	var zero V
	return zero, 0
}

func equalTokens(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
