//! Clients, strategies and retry policies: every name a function, a
//! `round-robin` / `fallback` strategy or a `retry_policy` line uses is
//! declared, no name is declared twice, and strategies do not loop.

use super::cycles::find_cycles;
use crate::codes::Code;
use crate::error::{CompileError, Location};
use crate::ir::{ClientRef, Ir};
use std::collections::HashMap;

/// The cross-checks of `client<llm>` and `retry_policy` blocks and of the
/// clients functions use. `types` holds every declared type name: clients
/// share their namespace.
pub(super) fn check_clients(
    ir: &Ir,
    types: &HashMap<&str, &Location>,
    errors: &mut Vec<CompileError>,
) {
    let mut clients: HashMap<&str, &Location> = HashMap::new();
    for client in &ir.clients {
        let len = client.name.chars().count();
        if let Some(first) = clients.insert(&client.name, &client.location) {
            errors.push(
                super::duplicate(Code::DuplicateClient, &client.location, first, len, format!("duplicate client `{}`: a client<llm> with that name is already declared at {first}; rename one of them", client.name)),
            );
        } else if let Some(ty) = types.get(client.name.as_str()) {
            errors.push(
                CompileError::coded(
                    Code::DuplicateClient,
                    client.location.clone(),
                    format!("client `{}` has the name of a type declared at {ty}; clients and types share one namespace, rename one of them", client.name),
                )
                .with_length(len)
                .with_label((*ty).clone(), len, "the type"),
            );
        }
    }
    let mut policies: HashMap<&str, &Location> = HashMap::new();
    for policy in &ir.retry_policies {
        if let Some(first) = policies.insert(&policy.name, &policy.location) {
            let len = policy.name.chars().count();
            errors.push(super::duplicate(
                Code::DuplicateRetryPolicy,
                &policy.location,
                first,
                len,
                format!(
                    "duplicate retry_policy `{}` (first declared at {first}); rename one of them",
                    policy.name
                ),
            ));
        }
    }
    let known = |r: &ClientRef| r.is_shorthand() || clients.contains_key(r.name.as_str());
    let unknown = |r: &ClientRef, whose: &str| {
        CompileError::coded(
            Code::UnknownClient,
            r.location.clone(),
            format!(
                "{whose} names client `{}`, which no `client<llm>` declares; declare it, fix the spelling, or write a `provider/model` shorthand such as \"openai/gpt-4o\"{}",
                r.name,
                suggestion(&r.name, clients.keys().copied())
            ),
        )
        .with_length(r.name.chars().count())
    };
    for client in &ir.clients {
        if let Some(policy) = &client.retry_policy {
            if !policies.contains_key(policy.name.as_str()) {
                errors.push(
                    CompileError::coded(
                        Code::UnknownRetryPolicy,
                        policy.location.clone(),
                        format!(
                            "client `{}` uses retry_policy `{}`, which is not declared; add `retry_policy {} {{ max_retries 2 }}` or fix the name{}",
                            client.name,
                            policy.name,
                            policy.name,
                            suggestion(&policy.name, policies.keys().copied())
                        ),
                    )
                    .with_length(policy.name.chars().count()),
                );
            }
        }
        if !client.is_strategy() {
            continue;
        }
        match &client.strategy {
            None => errors.push(
                CompileError::coded(
                    Code::InvalidStrategy,
                    client.location.clone(),
                    format!(
                        "{} client `{}` has no `strategy`: add `options {{ strategy [ClientA, ClientB] }}`",
                        client.provider, client.name
                    ),
                )
                .with_length(client.name.chars().count()),
            ),
            Some(list) if list.is_empty() => errors.push(
                CompileError::coded(
                    Code::InvalidStrategy,
                    client.location.clone(),
                    format!(
                        "the strategy of {} client `{}` is empty: list the clients it uses, e.g. strategy [ClientA, ClientB]",
                        client.provider, client.name
                    ),
                )
                .with_length(client.name.chars().count()),
            ),
            Some(list) => {
                let whose = format!("the strategy of {} client `{}`", client.provider, client.name);
                errors.extend(list.iter().filter(|r| !known(r)).map(|r| unknown(r, &whose)));
            }
        }
    }
    for function in &ir.functions {
        if let Some(client) = function.client.as_ref().filter(|c| !known(c)) {
            errors.push(unknown(client, &format!("function `{}`", function.name)));
        }
    }
    check_strategy_cycles(ir, errors);
}

/// A strategy that reaches itself (`A` falls back to `B`, `B` to `A`)
/// never ends when every client fails.
fn check_strategy_cycles(ir: &Ir, errors: &mut Vec<CompileError>) {
    let graph: Vec<(&str, &Location, Vec<&str>)> = ir
        .clients
        .iter()
        .filter(|c| c.is_strategy())
        .map(|c| {
            let targets = c
                .strategy
                .iter()
                .flatten()
                .map(|r| r.name.as_str())
                .collect();
            (c.name.as_str(), &c.location, targets)
        })
        .collect();
    for cycle in find_cycles(&graph) {
        let (_, location, _) = graph.iter().find(|(n, ..)| *n == cycle[0]).expect("node");
        errors.push(
            CompileError::coded(
                Code::StrategyCycle,
                (*location).clone(),
                format!(
                    "strategy clients form a cycle: {}; a round-robin or fallback client must not reach itself, name the underlying clients instead",
                    cycle.join(" -> ")
                ),
            )
            .with_length(cycle[0].chars().count()),
        );
    }
}

/// ` (did you mean `X`?)` for the closest declared name, if one is close.
fn suggestion<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    let best = candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= 2.max(c.chars().count() / 3))
        .min();
    best.map_or_else(String::new, |(_, c)| format!(" (did you mean `{c}`?)"))
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    #[test]
    fn suggestions_pick_the_closest_name_only_when_close() {
        let names = ["CoachLLM", "FastLLM"];
        assert_eq!(
            super::suggestion("CoachLM", names.into_iter()),
            " (did you mean `CoachLLM`?)"
        );
        assert_eq!(super::suggestion("Zed", names.into_iter()), "");
    }
}
