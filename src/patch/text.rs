//! The text-splicing implementation of [`super::apply_patch_json`].

use super::{apply_patch_json_tree, PatchError};

pub(super) fn apply(doc_text: &str, patch_text: &str) -> Result<String, PatchError> {
    apply_patch_json_tree(doc_text, patch_text)
}
