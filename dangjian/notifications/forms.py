from django import forms

from dangjian.notifications import categories


class PreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(
        label="邮件通知", required=False, help_text="每条新消息同时发到您的电子邮箱。"
    )
    sms_enabled = forms.BooleanField(
        label="短信通知", required=False, help_text="每条新消息同时以短信发到您的手机。"
    )
    daily_digest = forms.BooleanField(
        label="每日汇总",
        required=False,
        help_text="不再逐条发邮件，改为每天早上把前一天的未读消息汇总成一封邮件。",
    )
    muted_categories = forms.MultipleChoiceField(
        label="不接收邮件和短信的类别",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="这些类别的消息仍会出现在站内消息中，只是不再发送邮件和短信。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["muted_categories"].choices = categories.mutable_choices()
