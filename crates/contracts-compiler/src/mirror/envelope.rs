//! The `EventEnvelope` enum over every event (in place of the BAML alias)
//! and `roundtrip_json`, the lookup of a mirror type by its BAML name.

use super::idents::{ident, pascal_case};
use super::print::{doc_attrs, BLANK_LINE};
use super::Gen;
use crate::events::{EVENT_ENVELOPE_ALIAS, EVENT_META_CLASS, EVENT_TYPE_ENUM};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

impl Gen<'_> {
    pub(super) fn render_envelope(&self) -> TokenStream {
        let doc_of = |event_type: &str| {
            self.ir
                .enum_named(EVENT_TYPE_ENUM)
                .and_then(|e| e.values.iter().find(|v| v.name == event_type))
                .and_then(|v| v.description.clone())
                .unwrap_or_default()
        };
        let variants: Vec<Ident> = self
            .events
            .iter()
            .map(|b| ident(&pascal_case(&b.event_type, "Event")))
            .collect();
        let event_types: Vec<&String> = self.events.iter().map(|b| &b.event_type).collect();
        let classes: Vec<Ident> = self
            .events
            .iter()
            .map(|b| ident(&b.envelope_class))
            .collect();
        let docs = self
            .events
            .iter()
            .map(|b| doc_attrs(&doc_of(&b.event_type)));
        let meta = format_ident!("{}", EVENT_META_CLASS);
        let blank = quote!(#[doc = #BLANK_LINE]);
        quote! {
            /// Every real-time event envelope, selected by its `type`.
            ///
            /// Deserialising uses serde's internally tagged representation, which
            /// buffers the whole envelope (into serde's private content tree) before it
            /// can pick the variant: this is the convenience API, not the validator's
            /// fast path. Validate untrusted input with [`crate::validate_envelope`]
            /// (exact JSON Pointer issues, producer or consumer rules) and deserialise
            /// afterwards. Serialising writes the variant's envelope struct, `type`
            /// first, so the wire form round-trips.
            #[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
            #[serde(tag = "type")]
            pub enum EventEnvelope {
                #(
                    #docs
                    #[serde(rename = #event_types)]
                    #variants(#classes),
                )*
            }

            impl Serialize for EventEnvelope {
                fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    match self {
                        #(Self::#variants(envelope) => envelope.serialize(serializer),)*
                    }
                }
            }

            impl EventEnvelope {
                /// The wire `type` (an `EventType` value).
                pub const fn event_type(&self) -> &'static str {
                    match self {
                        #(Self::#variants(_) => #event_types,)*
                    }
                }

                #blank
                /// The `contracts_version` the producer put in the envelope.
                pub fn contracts_version(&self) -> &str {
                    match self {
                        #(Self::#variants(envelope) => &envelope.contracts_version,)*
                    }
                }

                #blank
                /// The envelope metadata.
                pub const fn meta(&self) -> &#meta {
                    match self {
                        #(Self::#variants(envelope) => &envelope.meta,)*
                    }
                }
            }

            #(
                impl From<#classes> for EventEnvelope {
                    fn from(envelope: #classes) -> Self {
                        Self::#variants(envelope)
                    }
                }
            )*
        }
    }

    pub(super) fn render_roundtrip(&self) -> TokenStream {
        let mut names: Vec<&str> = self
            .ir
            .classes
            .iter()
            .map(|c| c.name.as_str())
            .chain(self.ir.enums.iter().map(|e| e.name.as_str()))
            .chain(self.ir.type_aliases.iter().map(|a| a.name.as_str()))
            .collect();
        if !self.events.is_empty() && !names.contains(&EVENT_ENVELOPE_ALIAS) {
            names.push(EVENT_ENVELOPE_ALIAS);
        }
        names.sort_unstable();
        let types = names.iter().map(|name| ident(name));
        quote! {
            /// Deserialises `value` as the mirror type of the BAML class, enum or alias
            /// `name` (or `"EventEnvelope"`) and serialises it back; `None` when
            /// `name` is not a type of the contract. Used by the round-trip tests.
            pub fn roundtrip_json(
                name: &str,
                value: serde_json::Value,
            ) -> Option<Result<serde_json::Value, serde_json::Error>> {
                fn roundtrip<T: serde::de::DeserializeOwned + Serialize>(
                    value: serde_json::Value,
                ) -> Result<serde_json::Value, serde_json::Error> {
                    serde_json::to_value(serde_json::from_value::<T>(value)?)
                }
                let result = match name {
                    #(#names => roundtrip::<#types>(value),)*
                    _ => return None,
                };
                Some(result)
            }
        }
    }
}
