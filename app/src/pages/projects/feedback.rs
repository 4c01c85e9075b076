//! Toasts for what the task list did: a completed task or bulk action says
//! so, with Undo where the action can be reversed (complete, reopen, move,
//! trash, restore). An Undo is itself an action, so it says so too.

use std::collections::HashSet;

use leptos::prelude::*;

use super::state::ProjectState;
use crate::{
    api::tasks::{BulkAction, BulkUpdateTasks, SetTaskDone},
    components::toast::use_toasts,
    model::TaskId,
};

/// Shows a toast after each done toggle, bulk action and added task of
/// the page of `state`.
pub fn announce_task_changes(state: ProjectState) {
    let Some(toasts) = use_toasts() else { return };
    let scope = toasts.undo_scope();

    let done = state.done;
    let done_scope = scope.clone();
    Effect::new(move |_| {
        let Some(Ok(task)) = done.value().get() else { return };
        let (org, id, now_done) = (state.slug(), task.id.to_string(), task.is_done());
        let verb = if now_done { "Completed" } else { "Reopened" };
        toasts.show_undoable(&done_scope, format!("{verb} “{}”.", task.title), move || {
            done.dispatch(SetTaskDone { org: org.clone(), task: id.clone(), done: !now_done });
        });
    });

    let create = state.create;
    Effect::new(move |_| {
        if let Some(Ok(task)) = create.value().get() {
            toasts.show(format!("Added “{}”.", task.title));
        }
    });

    // What each bulk action was asked, and which tasks of the page were
    // done then: an Undo of "complete" reopens only those it completed.
    let bulk = state.bulk;
    let asked = StoredValue::new(None::<(BulkUpdateTasks, HashSet<TaskId>)>);
    Effect::new(move |_| {
        if let Some(input) = bulk.input().get() {
            let done_before = state
                .tasks
                .get_untracked()
                .and_then(Result::ok)
                .map(|page| page.items.iter().filter(|t| t.is_done()).map(|t| t.id).collect())
                .unwrap_or_default();
            asked.set_value(Some((input, done_before)));
        }
    });
    Effect::new(move |_| {
        let Some(Ok(outcome)) = bulk.value().get() else { return };
        let Some((input, done_before)) = asked.get_value() else { return };
        let was_done = |id: &String| id.parse::<TaskId>().is_ok_and(|id| done_before.contains(&id));
        let ids = |keep: &dyn Fn(&String) -> bool| input.ids.iter().filter(|id| keep(id)).cloned().collect::<Vec<_>>();
        let inverse = match input.action {
            BulkAction::Complete => Some((BulkAction::Reopen, ids(&|id| !was_done(id)), String::new())),
            BulkAction::Reopen => Some((BulkAction::Complete, ids(&was_done), String::new())),
            // Every task of the page was in this project.
            BulkAction::Move => Some((BulkAction::Move, input.ids.clone(), state.project_id.get_untracked())),
            BulkAction::Trash => Some((BulkAction::Restore, input.ids.clone(), String::new())),
            BulkAction::Restore => Some((BulkAction::Trash, input.ids.clone(), String::new())),
            BulkAction::Assign | BulkAction::Purge => None,
        };
        let message = input.action.outcome_message(outcome.affected);
        match inverse.filter(|(_, ids, _)| !ids.is_empty() && outcome.affected > 0) {
            Some((action, ids, project)) => {
                let org = input.org.clone();
                toasts.show_undoable(&scope, message, move || {
                    bulk.dispatch(BulkUpdateTasks {
                        org: org.clone(),
                        ids: ids.clone(),
                        action,
                        project: project.clone(),
                        assignee: String::new(),
                    });
                });
            }
            None => toasts.show(message),
        }
    });
}
